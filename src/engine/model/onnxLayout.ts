import type { GraphNode, LightGraph } from "./onnxGraph";
import { intsAttr } from "./onnxGraph";

// TensorFlow and Keras models (through tf2onnx) take images as [N, H, W, C]. ONNX's own conv and
// pool ops are channels-first, so such graphs transpose to NCHW before them and back after; the
// tensors between the input and the first transpose (and after a transpose back) are NHWC.

export type Layout = "nchw" | "nhwc";

/** Channel counts an image input has: gray, gray and alpha, RGB, RGBA. */
const IMAGE_CHANNELS = new Set([1, 2, 3, 4]);
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

const samePerm = (a: readonly number[] | undefined, b: readonly number[]): boolean => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The input's layout from its declared dims: NHWC when its last axis has an image's channel
 * count and its second does not, or when the first thing the graph does is transpose it to NCHW.
 */
export function inputLayout(dims: readonly (number | undefined)[], graph: LightGraph): Layout {
  const [, second, , last] = dims;
  const readers = graph.nodes.filter((n) => n.inputs.includes(graph.input));
  if (readers.length > 0 && readers.every((n) => n.op === "Transpose" && samePerm(intsAttr(n, "perm"), TO_NCHW))) return "nhwc";
  if (second !== undefined && IMAGE_CHANNELS.has(second)) return "nchw";
  return last !== undefined && IMAGE_CHANNELS.has(last) ? "nhwc" : "nchw";
}

// Ops that act on each value alone (or with a broadcast constant) keep the layout of their input.
const KEEPS_LAYOUT = new Set([
  "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Gelu", "HardSigmoid", "HardSwish", "Softplus", "Mish", "PRelu",
  "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Identity", "Dropout", "Cast", "CastLike",
  "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean",
  "Pad", "Concat", "Slice", "Split", "Resize", "Upsample", "Softmax",
]);

function nodeLayout(node: GraphNode, layoutOf: (tensor: string) => Layout | undefined): Layout | undefined {
  const from = node.inputs.map(layoutOf).find((l) => l !== undefined);
  if (from === undefined) return undefined;
  if (node.op === "Transpose") {
    const perm = intsAttr(node, "perm");
    if (from === "nhwc" && samePerm(perm, TO_NCHW)) return "nchw";
    if (from === "nchw" && samePerm(perm, TO_NHWC)) return "nhwc";
    return "nchw";
  }
  // Everything else either keeps its input's layout or is channels-first by ONNX's definition.
  return KEEPS_LAYOUT.has(node.op) ? from : "nchw";
}

/** The tensors computed from the input that are NHWC, when the input is; empty for an NCHW model. */
export function nhwcTensors(graph: LightGraph, input: Layout): ReadonlySet<string> {
  if (input === "nchw") return new Set();
  const layouts = new Map<string, Layout>([[graph.input, input]]);
  for (const node of graph.nodes) {
    const l = nodeLayout(node, (t) => layouts.get(t));
    if (l) for (const o of node.outputs) layouts.set(o, l);
  }
  return new Set([...layouts].filter(([, l]) => l === "nhwc").map(([t]) => t));
}

/** [N, H, W, C] data as [N, C, H, W], for showing and dumping one channel after another. */
export function nhwcToNchw(data: Float32Array, shape: readonly number[]): { readonly data: Float32Array; readonly shape: number[] } {
  const [n, h, w, c] = shape;
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = data[base + p * c + k];
  }
  return { data: out, shape: [n, c, h, w] };
}

/** [N, C, H, W] data as [N, H, W, C]: an image tensor fed to an NHWC model. */
export function nchwToNhwc(data: Float32Array, shape: readonly number[]): Float32Array {
  const [n, c, h, w] = shape;
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[base + p * c + k] = data[base + k * plane + p];
  }
  return out;
}

/** An NHWC shape as the NCHW one it is shown as. */
export const nchwShape = (s: readonly number[]): number[] => (s.length === 4 ? [s[0], s[3], s[1], s[2]] : [...s]);
