import type { onnx } from "onnx-proto";
import { MODEL_DTYPES, type ModelDtype, oneOf } from "../../shared/choices";
import { DT, type GraphNode, intAttr, type LightGraph, num } from "./onnxGraph";

// Element types of a graph's tensors, inferred before any run: onnxruntime makes a graph output of
// every tensor it is asked for, whatever its type, so integer accumulators, quantized uint8 maps
// and shape arithmetic must be left out before the session opens, not after the run.

const NAMES: Readonly<Record<number, string>> = {
  [DT.FLOAT]: "float32",
  [DT.FLOAT16]: "float16",
  [DT.BFLOAT16]: "bfloat16",
  [DT.DOUBLE]: "float64",
  [DT.UINT8]: "uint8",
  [DT.INT8]: "int8",
  [DT.UINT16]: "uint16",
  [DT.INT16]: "int16",
  [DT.INT32]: "int32",
  [DT.INT64]: "int64",
  [DT.UINT32]: "uint32",
  [DT.UINT64]: "uint64",
  [DT.BOOL]: "bool",
  [DT.STRING]: "string",
};

export function dtypeName(dtype: number): string {
  return NAMES[dtype] ?? `type ${dtype}`;
}

/** Float types shown as layers; all but float32 are converted to float32 in the graph. */
export const SHOWN_FLOATS: ReadonlySet<number> = new Set([DT.FLOAT, DT.FLOAT16, DT.BFLOAT16, DT.DOUBLE]);

const INTEGERS: ReadonlySet<number> = new Set([DT.UINT8, DT.INT8, DT.UINT16, DT.INT16, DT.INT32, DT.INT64, DT.UINT32, DT.UINT64]);

export const isInteger = (dtype: number | undefined): boolean => dtype !== undefined && INTEGERS.has(dtype);

const BOOLEAN_OPS = new Set(["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"]);
const INDEX_OPS = new Set(["Shape", "Size", "ArgMax", "ArgMin", "NonZero", "NonMaxSuppression"]);
const ACCUMULATORS = new Set(["ConvInteger", "MatMulInteger"]);
// Quantized ops whose output type is that of their output zero point, by its input position.
const QUANTIZED_OUTPUT_ZERO_POINT: Readonly<Record<string, number>> = { QLinearConv: 7, QLinearMatMul: 7, "com.microsoft.QLinearAdd": 7, "com.microsoft.QLinearMul": 7 };

/** The element type of a node's first output, from its op and its inputs' types; undefined when unknown. */
function outputType(node: GraphNode, typeOf: (tensor: string) => number | undefined): number | undefined {
  const first = node.inputs.find((x) => x !== "");
  switch (node.op) {
    case "Cast":
      return intAttr(node, "to", 0) || undefined;
    case "CastLike":
      return typeOf(node.inputs[1]);
    case "QuantizeLinear":
      return intAttr(node, "output_dtype", 0) || (node.inputs[2] ? typeOf(node.inputs[2]) : DT.UINT8);
    case "DequantizeLinear":
      return typeOf(node.inputs[1]);
    case "DynamicQuantizeLinear":
      return DT.UINT8;
    case "Constant":
    case "ConstantOfShape": {
      const a = node.attributes.get("value");
      return a?.t ? (a.t.dataType ?? undefined) : node.op === "ConstantOfShape" ? DT.FLOAT : undefined;
    }
  }
  if (ACCUMULATORS.has(node.op)) return DT.INT32;
  if (INDEX_OPS.has(node.op)) return DT.INT64;
  if (BOOLEAN_OPS.has(node.op)) return DT.BOOL;
  const zeroPoint = QUANTIZED_OUTPUT_ZERO_POINT[node.op];
  if (zeroPoint !== undefined) return node.inputs[zeroPoint] ? typeOf(node.inputs[zeroPoint]) : DT.UINT8;
  if (node.op === "Where") return typeOf(node.inputs[1]);
  // Other ops of another domain may change the type in ways not known here.
  if (node.op.includes(".")) return undefined;
  return first === undefined ? undefined : typeOf(first);
}

export interface TensorFacts {
  /** Element type of each tensor whose type is known. */
  readonly types: ReadonlyMap<string, number>;
  /** Tensors computed from the model input: the rest are constants however they are computed. */
  readonly fromInput: ReadonlySet<string>;
}

export function tensorFacts(graph: LightGraph): TensorFacts {
  const types = new Map<string, number>([[graph.input, graph.inputType]]);
  for (const [name, c] of graph.constants) types.set(name, c.dtype);
  const fromInput = new Set([graph.input]);
  for (const node of graph.nodes) {
    const t = outputType(node, (x) => types.get(x));
    if (t !== undefined && node.outputs[0]) types.set(node.outputs[0], t);
    if (node.op === "DynamicQuantizeLinear") {
      types.set(node.outputs[1] ?? "", DT.FLOAT);
      types.set(node.outputs[2] ?? "", DT.UINT8);
    }
    // A shape read from the input is a number, not a feature map, but it is not constant either.
    if (node.inputs.some((x) => fromInput.has(x))) for (const o of node.outputs) fromInput.add(o);
  }
  return { types, fromInput };
}

/**
 * Whether a node's first output is a feature map worth listing: computed from the input, and a
 * float (float16 and bfloat16 are converted). Integer tensors (quantized maps, ConvInteger's
 * accumulators) are not: the float tensor after DequantizeLinear, or after the Mul that scales an
 * accumulator, is the one shown. An integer accumulator cast to float is still one.
 */
export function isActivation(node: GraphNode, facts: TensorFacts): boolean {
  const out = node.outputs[0];
  if (!out || !facts.fromInput.has(out)) return false;
  const t = facts.types.get(out);
  if (t !== undefined && !SHOWN_FLOATS.has(t)) return false;
  return !(node.op === "Cast" && isInteger(facts.types.get(node.inputs[0])));
}

/** Bytes per element of the types a model's precision can be. */
const WIDTHS: Readonly<Record<number, number>> = { [DT.FLOAT]: 4, [DT.FLOAT16]: 2, [DT.BFLOAT16]: 2, [DT.DOUBLE]: 8, [DT.UINT8]: 1, [DT.INT8]: 1 };

/** The model's precision: the element type that holds most of its weight bytes. */
export function modelDtype(initializers: readonly onnx.ITensorProto[]): ModelDtype {
  const bytes = new Map<ModelDtype, number>();
  for (const t of initializers) {
    const kind = dtypeName(t.dataType ?? 0);
    if (!oneOf(MODEL_DTYPES, kind)) continue;
    const n = (t.dims ?? []).reduce<number>((a, d) => a * num(d), 1);
    bytes.set(kind, (bytes.get(kind) ?? 0) + n * WIDTHS[t.dataType ?? 0]);
  }
  let best: ModelDtype = "float32";
  for (const [kind, b] of bytes) if (b > (bytes.get(best) ?? 0)) best = kind;
  return best;
}
