import { onnx } from "onnx-proto";
import { FLOAT, GraphWriter, opsetOf } from "../explain/graphWriter";

/** The outputs of a reduced graph: each image's per-channel mean and max ([N, C]), and the layer's shape. */
export interface ReducedOutputs {
  readonly mean: string;
  readonly max: string;
  readonly shape: string;
}

/** Since opset 18 the reductions take their axes as an input; before, as an attribute. */
const AXES_AS_INPUT = 18;

/**
 * `bytes`, a graph whose output is one layer's maps, with that output reduced inside the graph to
 * each image's mean and max per channel. onnxruntime then hands back two [N, C] tensors instead
 * of the maps, which JavaScript would copy out and sum: a scan needs nothing else of them.
 * `rank` is the layer's rank with the batch axis; `channelsLast` an NHWC map's layout.
 */
export function withChannelReductions(bytes: Uint8Array, output: string, rank: number, channelsLast: boolean): { readonly bytes: Uint8Array; readonly outputs: ReducedOutputs } {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph as onnx.IGraphProto;
  const axes = channelsLast ? [1, 2] : Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const w = new GraphWriter("feature-maps/scan");
  const reduce = (op: string): string => (opsetOf(model) >= AXES_AS_INPUT ? w.one(op, [output, w.ints(axes)], { keepdims: 0 }) : w.one(op, [output], { axes, keepdims: 0 }));
  const outputs = { mean: reduce("ReduceMean"), max: reduce("ReduceMax"), shape: w.one("Shape", [output]) };
  graph.node = [...(graph.node ?? []), ...w.nodes];
  graph.initializer = [...(graph.initializer ?? []), ...w.constants];
  graph.output = [
    { name: outputs.mean, type: { tensorType: { elemType: FLOAT } } },
    { name: outputs.max, type: { tensorType: { elemType: FLOAT } } },
    { name: outputs.shape, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64 } } },
  ];
  return { bytes: onnx.ModelProto.encode(model).finish(), outputs };
}
