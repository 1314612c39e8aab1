import { onnx } from "onnx-proto";
import { pruneTo } from "../model/prune";
import type { RunnerModel } from "./inference";

/**
 * The model cut to `output`, taking a stack of inputs where it can: a built model's batch axis is
 * set free (its graph is the same for any batch); a file's stays as the file declares it, free
 * only when it names the axis. `batch` says which it is.
 */
export function batchedGraph(bytes: Uint8Array, model: RunnerModel, output: string): { readonly bytes: Uint8Array; readonly batch: boolean } {
  const proto = onnx.ModelProto.decode(pruneTo(bytes, output, [model.inputName]));
  const input = proto.graph?.input?.find((i) => i.name === model.inputName);
  const first = input?.type?.tensorType?.shape?.dim?.[0];
  if (!first || !(model.plan !== undefined || first.dimParam)) return { bytes: onnx.ModelProto.encode(proto).finish(), batch: false };
  first.dimValue = null;
  first.dimParam = "batch";
  return { bytes: onnx.ModelProto.encode(proto).finish(), batch: true };
}
