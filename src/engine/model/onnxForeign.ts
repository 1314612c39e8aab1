import { onnx } from "onnx-proto";
import type { ModelDtype } from "../../shared/choices";
import { FeatureMapsError } from "../../shared/errors";
import { dtypeName, isActivation, modelDtype, SHOWN_FLOATS, tensorFacts } from "./onnxDtypes";
import { DT, lightGraph, num } from "./onnxGraph";
import { inputLayout, type Layout, nhwcTensors } from "./onnxLayout";
import { type InferredShapes, inferShapes } from "./onnxShapes";

// What a trained model as it ships needs before onnxruntime sees it: its precision, its input
// layout, which of its tensors are feature maps, and its shapes at any input size without a run.

export interface ForeignModel {
  readonly inputName: string;
  readonly layout: Layout;
  readonly channels: number;
  readonly fixedSize?: { readonly height: number; readonly width: number };
  readonly dtype: ModelDtype;
  /** Output tensors of the nodes whose first output is a feature map, in topological order. */
  readonly activations: ReadonlySet<string>;
  /** The element type of each activation, by name. */
  readonly dtypes: ReadonlyMap<string, string>;
  readonly nhwc: ReadonlySet<string>;
  /** Every tensor's shape when the model runs at height x width; what the file declares where that is fixed. */
  shapes(height: number, width: number): InferredShapes;
}

/** The suffix of the float32 copy that a float16, bfloat16 or float64 map is fetched as. */
const AS_FLOAT32 = "::float32";

function dimValue(d: onnx.TensorShapeProto.IDimension): number | undefined {
  const n = d.dimValue === null || d.dimValue === undefined ? 0 : num(d.dimValue);
  return n > 0 ? n : undefined;
}

/**
 * Reads the model's input and tensors, and makes the graph take a float32 input whatever its own
 * precision (a Cast in front), since images are fed as float32.
 */
export function readForeignModel(graph: onnx.IGraphProto, input: onnx.IValueInfoProto, file: string): ForeignModel {
  const tensorType = input.type?.tensorType;
  const dims = (tensorType?.shape?.dim ?? []).map(dimValue);
  const elemType = tensorType?.elemType ?? 0;
  if (!SHOWN_FLOATS.has(elemType) || dims.length !== 4) {
    throw new FeatureMapsError("MODEL_INVALID", `${file}: input ${input.name} is not a 4-D float tensor [N, C, H, W] or [N, H, W, C]; Feature Maps feeds images`);
  }
  const light = lightGraph(graph, input);
  const facts = tensorFacts(light);
  const layout = inputLayout(dims, light);
  const [channels, height, width] = layout === "nhwc" ? [dims[3], dims[1], dims[2]] : [dims[1], dims[2], dims[3]];
  const activations = new Set(light.nodes.filter((n) => isActivation(n, facts)).map((n) => n.outputs[0]));
  const dtypes = new Map([...activations].map((t) => [t, dtypeName(facts.types.get(t) ?? DT.FLOAT)]));
  let inputName = input.name ?? "";
  if (elemType !== DT.FLOAT) {
    inputName = `${inputName}${AS_FLOAT32}`;
    graph.node = [onnx.NodeProto.create({ opType: "Cast", input: [inputName], output: [input.name ?? ""], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: elemType }] }), ...(graph.node ?? [])];
    graph.input = (graph.input ?? []).map((i) => (i === input ? onnx.ValueInfoProto.create({ name: inputName, type: { tensorType: { elemType: DT.FLOAT, shape: tensorType?.shape } } }) : i));
  }
  const fixed = height !== undefined && width !== undefined;
  return {
    inputName,
    layout,
    channels: channels ?? 3,
    fixedSize: fixed ? { height, width } : undefined,
    dtype: modelDtype(graph.initializer ?? []),
    activations,
    dtypes,
    nhwc: nhwcTensors(light, layout),
    shapes: (h, w) => {
      const inferred = inferShapes(light, facts.types, layout === "nhwc" ? [1, h, w, channels ?? 3] : [1, channels ?? 3, h, w]);
      if (!fixed || h !== height || w !== width) return inferred;
      // At the size the file was made for, the shapes it declares fill what is not inferred here.
      const shapes = new Map(inferred.shapes);
      for (const [t, d] of light.declared) if (!shapes.has(t) && d.every((x) => x !== undefined)) shapes.set(t, d as number[]);
      return { shapes, conflict: inferred.conflict };
    },
  };
}

/**
 * The tensor onnxruntime returns for a map: the map itself when float32, else a float32 copy that
 * a Cast added to the graph makes (onnxruntime-node cannot return bfloat16, and one conversion
 * path serves float16 and float64 too).
 */
export function fetchAsFloat32(graph: onnx.IGraphProto, tensor: string, dtype: string | undefined): string {
  if (dtype === undefined || dtype === "float32") return tensor;
  const fetch = `${tensor}${AS_FLOAT32}`;
  (graph.node ??= []).push(onnx.NodeProto.create({ opType: "Cast", input: [tensor], output: [fetch], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }] }));
  return fetch;
}
