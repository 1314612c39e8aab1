import { onnx } from "onnx-proto";
import type { Tensor } from "../model/weights";

/**
 * The model with the named graph inputs made initializers holding `weights`. A built model takes
 * its weights as inputs so that a rebuild opens a session without copying them into the graph;
 * on CUDA an input is copied from the host to the GPU at every run, an initializer once.
 */
export function withInitializers(bytes: Uint8Array, weights: ReadonlyMap<string, Tensor>): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return bytes;
  const moved = (graph.input ?? []).filter((i) => weights.has(i.name ?? ""));
  if (moved.length === 0) return bytes;
  graph.input = (graph.input ?? []).filter((i) => !weights.has(i.name ?? ""));
  graph.initializer = [
    ...(graph.initializer ?? []),
    ...moved.map((i) => {
      const t = weights.get(i.name ?? "") as Tensor;
      return onnx.TensorProto.create({
        name: i.name,
        dims: [...t.shape],
        dataType: onnx.TensorProto.DataType.FLOAT,
        // protobuf wants bytes; this views the weights without copying them before encoding.
        rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      });
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
