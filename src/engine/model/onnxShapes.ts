import { DT, type GraphNode, intAttr, intsAttr, type LightGraph, stringAttr } from "./onnxGraph";
import { isInteger } from "./onnxDtypes";
import { broadcast, concatShape, gatherShape, matMulShape, reduceShape, sliceAxes, spatialOut, unknownOr } from "./onnxShapeRules";

// Shapes of a graph's tensors at one input size, worked out from the ops without running them,
// for the common CNN ops. Small integer tensors are evaluated too, since exporters compute the
// sizes of Resize and Reshape from Shape. Where an op is not known here its outputs have no shape
// (the caller falls back to onnxruntime), never a guessed one.

export interface InferredShapes {
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** The first op whose inputs do not fit each other at this size (a broadcast, a concat). */
  readonly conflict?: string;
}

type Shape = readonly number[];

const SAME_AS_INPUT = new Set([
  "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Celu", "Gelu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Mish",
  "PRelu", "ThresholdedRelu", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos",
  "Identity", "Dropout", "Cast", "CastLike", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "BatchNormalization",
  "InstanceNormalization", "LRN", "LayerNormalization", "GroupNormalization", "Softmax", "LogSoftmax", "Hardmax", "Not", "IsNaN", "IsInf",
  "MeanVarianceNormalization", "Shrink",
]);
const BROADCASTS = new Set(["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Mod", "Where", "BitShift"]);
const POOLS = new Set(["MaxPool", "AveragePool", "LpPool"]);
const GLOBAL_POOLS = new Set(["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"]);
const REDUCES = new Set(["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]);
// Ops whose small integer values are worked out: the shape arithmetic of exported graphs.
const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Max: Math.max,
  Min: Math.min,
};
const SMALL = 64;

/** The weight input of each convolution op, whose dims give its kernel and channels. */
const CONV_WEIGHT: Readonly<Record<string, number>> = { Conv: 1, ConvInteger: 1, QLinearConv: 3, ConvTranspose: 1 };

class Inference {
  readonly shapes = new Map<string, Shape>();
  readonly values = new Map<string, readonly number[]>();
  conflict?: string;

  constructor(
    graph: LightGraph,
    private readonly types: ReadonlyMap<string, number>,
  ) {
    for (const [name, c] of graph.constants) {
      this.shapes.set(name, c.dims);
      if (c.values) this.values.set(name, c.values);
    }
  }

  shape(x: string | undefined): Shape | undefined {
    return x ? this.shapes.get(x) : undefined;
  }

  value(x: string | undefined): readonly number[] | undefined {
    return x ? this.values.get(x) : undefined;
  }

  /** An int list from an attribute (older opsets) or from a constant input (newer ones). */
  ints(node: GraphNode, attribute: string, input: number): readonly number[] | undefined {
    return intsAttr(node, attribute) ?? this.value(node.inputs[input]);
  }

  fail(node: GraphNode, why: string): undefined {
    this.conflict ??= `${node.op} ${node.name || node.outputs[0]}: ${why}`;
    return undefined;
  }

  run(node: GraphNode): void {
    const shape = this.outputShape(node);
    // A size that is no size (a negative pad, a channel count a block does not divide) is unknown here.
    const out = shape?.every((d) => Number.isSafeInteger(d) && d >= 0) ? shape : undefined;
    if (out && node.outputs[0]) this.shapes.set(node.outputs[0], out);
    const value = out && node.outputs[0] && out.reduce((a, b) => a * b, 1) <= SMALL ? this.outputValue(node, out) : undefined;
    if (value && node.outputs[0]) this.values.set(node.outputs[0], value);
    this.extraOutputs(node, out);
  }

  private extraOutputs(node: GraphNode, out: Shape | undefined): void {
    if (node.op === "Split") {
      for (const [i, s] of (this.splitShapes(node) ?? []).entries()) if (node.outputs[i]) this.shapes.set(node.outputs[i], s);
    } else if (node.op === "DynamicQuantizeLinear") {
      for (const o of node.outputs.slice(1)) this.shapes.set(o, []);
    } else if (out && (node.op === "MaxPool" || node.op === "Dropout") && node.outputs[1]) {
      this.shapes.set(node.outputs[1], out);
    }
  }

  private outputShape(node: GraphNode): Shape | undefined {
    const x = this.shape(node.inputs[0]);
    const op = node.op;
    if (op === "Constant") return this.shape(node.outputs[0]);
    if (SAME_AS_INPUT.has(op)) return x;
    if (BROADCASTS.has(op)) return this.broadcastAll(node);
    if (op in CONV_WEIGHT) return this.conv(node, x);
    if (POOLS.has(op)) return x && spatialOut(node, x, intsAttr(node, "kernel_shape"), intAttr(node, "ceil_mode", 0) === 1, (why) => this.fail(node, why));
    if (GLOBAL_POOLS.has(op)) return x && [x[0], x[1], ...x.slice(2).map(() => 1)];
    if (REDUCES.has(op)) return x && reduceShape(x, this.ints(node, "axes", 1), intAttr(node, "keepdims", 1) === 1, intAttr(node, "noop_with_empty_axes", 0) === 1);
    switch (op) {
      case "Shape":
        return x && [this.shapeSlice(node, x).length];
      case "Size":
        return [];
      case "ConstantOfShape":
        return this.value(node.inputs[0]);
      case "Concat":
        return concatShape(node.inputs.map((i) => this.shape(i)), intAttr(node, "axis", 0), (why) => this.fail(node, why));
      case "Reshape":
        return x && this.reshape(node, x);
      case "Flatten": {
        if (!x) return undefined;
        const axis = intAttr(node, "axis", 1) < 0 ? intAttr(node, "axis", 1) + x.length : intAttr(node, "axis", 1);
        const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);
        return [prod(x.slice(0, axis)), prod(x.slice(axis))];
      }
      case "Transpose": {
        const perm = intsAttr(node, "perm") ?? x?.map((_, i) => (x.length - 1 - i));
        return x && perm && perm.map((p) => x[p]);
      }
      case "Squeeze": {
        const axes = this.ints(node, "axes", 1)?.map((a) => (a < 0 ? a + (x?.length ?? 0) : a));
        return x && x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
      }
      case "Unsqueeze": {
        const axes = this.ints(node, "axes", 1);
        if (!x || !axes) return undefined;
        const rank = x.length + axes.length;
        const at = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
        const rest = [...x];
        return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : (rest.shift() as number)));
      }
      case "Gemm": {
        const [a, b] = [x, this.shape(node.inputs[1])];
        if (!a || !b || a.length !== 2 || b.length !== 2) return undefined;
        return [intAttr(node, "transA", 0) ? a[1] : a[0], intAttr(node, "transB", 0) ? b[0] : b[1]];
      }
      case "MatMul":
      case "MatMulInteger":
        return unknownOr(x, this.shape(node.inputs[1]), (a, b) => matMulShape(a, b, (why) => this.fail(node, why)));
      case "Resize":
      case "Upsample":
        return x && this.resize(node, x);
      case "Pad":
        return x && this.pad(node, x);
      case "Slice":
        return x && this.sliceShape(node, x);
      case "Split":
        return this.splitShapes(node)?.[0];
      case "Gather":
        return unknownOr(x, this.shape(node.inputs[1]), (d, i) => gatherShape(d, i, intAttr(node, "axis", 0)));
      case "Expand": {
        const to = this.value(node.inputs[1]);
        return x && to && broadcast([x, to], (why) => this.fail(node, why));
      }
      case "Tile": {
        const repeats = this.value(node.inputs[1]);
        return x && repeats && repeats.length === x.length ? x.map((d, i) => d * repeats[i]) : undefined;
      }
      case "DepthToSpace":
      case "SpaceToDepth": {
        const b = intAttr(node, "blocksize", 1);
        if (!x || x.length !== 4) return undefined;
        return op === "DepthToSpace" ? [x[0], x[1] / (b * b), x[2] * b, x[3] * b] : [x[0], x[1] * b * b, x[2] / b, x[3] / b];
      }
      default:
        return undefined;
    }
  }

  private broadcastAll(node: GraphNode): Shape | undefined {
    const shapes = node.inputs.filter((i) => i !== "").map((i) => this.shape(i));
    if (shapes.some((s) => s === undefined)) return undefined;
    return broadcast(shapes as Shape[], (why) => this.fail(node, why));
  }

  private conv(node: GraphNode, x: Shape | undefined): Shape | undefined {
    const w = this.shape(node.inputs[CONV_WEIGHT[node.op]]);
    if (!x || !w || w.length !== x.length) return undefined;
    const kernel = intsAttr(node, "kernel_shape") ?? w.slice(2);
    if (node.op !== "ConvTranspose") {
      const spatial = spatialOut(node, x, kernel, false, (why) => this.fail(node, why));
      return spatial && [x[0], w[0], ...spatial.slice(2)];
    }
    const channels = w[1] * intAttr(node, "group", 1);
    const explicit = intsAttr(node, "output_shape");
    if (explicit) return [x[0], channels, ...explicit.slice(-kernel.length)];
    const n = kernel.length;
    const strides = intsAttr(node, "strides") ?? kernel.map(() => 1);
    const dilations = intsAttr(node, "dilations") ?? kernel.map(() => 1);
    const extra = intsAttr(node, "output_padding") ?? kernel.map(() => 0);
    const pads = intsAttr(node, "pads") ?? Array<number>(2 * n).fill(0);
    const same = (stringAttr(node, "auto_pad") ?? "NOTSET").startsWith("SAME");
    const spatial = x.slice(2).map((d, i) => (same ? d * strides[i] : strides[i] * (d - 1) + extra[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + n]));
    return [x[0], channels, ...spatial];
  }

  private shapeSlice(node: GraphNode, x: Shape): Shape {
    const r = x.length;
    const clamp = (v: number): number => Math.min(r, Math.max(0, v < 0 ? v + r : v));
    return x.slice(clamp(intAttr(node, "start", 0)), clamp(intAttr(node, "end", r)));
  }

  private reshape(node: GraphNode, x: Shape): Shape | undefined {
    const target = this.value(node.inputs[1]) ?? intsAttr(node, "shape");
    if (!target) return undefined;
    const allowZero = intAttr(node, "allowzero", 0) === 1;
    const out = target.map((d, i) => (d === 0 && !allowZero ? x[i] : d));
    const total = x.reduce((a, b) => a * b, 1);
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = out.indexOf(-1);
    if (free >= 0) out[free] = known === 0 ? 0 : total / known;
    if (!out.every((d) => Number.isInteger(d) && d >= 0) || out.reduce((a, b) => a * b, 1) !== total) return this.fail(node, `cannot reshape [${x.join(", ")}] to [${target.join(", ")}]`);
    return out;
  }

  private resize(node: GraphNode, x: Shape): Shape | undefined {
    // Resize-10 and Upsample take (X, scales); Resize-11 and later (X, roi, scales, sizes).
    const older = node.op === "Upsample" || node.inputs.length === 2;
    const sizes = older ? undefined : this.value(node.inputs[3]);
    // Resizing some axes only, keeping the aspect ratio or cropping to a region: not worked out here.
    const cropped = stringAttr(node, "coordinate_transformation_mode") === "tf_crop_and_resize";
    if (intsAttr(node, "axes") || node.attributes.has("keep_aspect_ratio_policy") || cropped) return undefined;
    if (sizes && sizes.length === x.length) return sizes;
    const scales = this.value(node.inputs[older ? 1 : 2]) ?? node.attributes.get("scales")?.floats ?? undefined;
    if (!scales || scales.length !== x.length) return undefined;
    return x.map((d, i) => Math.floor(d * scales[i]));
  }

  private pad(node: GraphNode, x: Shape): Shape | undefined {
    const pads = intsAttr(node, "pads") ?? this.value(node.inputs[1]);
    if (!pads) return undefined;
    const axesInput = node.inputs[3] ? this.value(node.inputs[3]) : undefined;
    if (node.inputs[3] && !axesInput) return undefined;
    const axes = (axesInput ?? x.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a));
    if (pads.length !== 2 * axes.length) return undefined;
    const out = [...x];
    axes.forEach((a, i) => (out[a] += pads[i] + pads[i + axes.length]));
    return out;
  }

  private sliceShape(node: GraphNode, x: Shape): Shape | undefined {
    const starts = this.ints(node, "starts", 1);
    const ends = this.ints(node, "ends", 2);
    if (!starts || !ends) return undefined;
    const axes = node.inputs[3] ? this.value(node.inputs[3]) : intsAttr(node, "axes");
    const steps = node.inputs[4] ? this.value(node.inputs[4]) : undefined;
    if ((node.inputs[3] && !axes) || (node.inputs[4] && !steps)) return undefined;
    return sliceAxes(x, starts, ends, axes, steps).map((s) => s.length);
  }

  private splitShapes(node: GraphNode): Shape[] | undefined {
    const x = this.shape(node.inputs[0]);
    if (!x) return undefined;
    const axis = intAttr(node, "axis", 0) < 0 ? intAttr(node, "axis", 0) + x.length : intAttr(node, "axis", 0);
    const parts = intsAttr(node, "split") ?? (node.inputs[1] ? this.value(node.inputs[1]) : undefined);
    const n = node.outputs.length;
    const each = Math.ceil(x[axis] / n);
    const sizes = parts ?? Array.from({ length: n }, (_, i) => Math.min(each, x[axis] - i * each));
    return sizes.map((s) => x.map((d, i) => (i === axis ? s : d)));
  }

  /** Values of small tensors: the sizes exporters compute with Shape, Gather, Concat and arithmetic. */
  private outputValue(node: GraphNode, out: Shape): readonly number[] | undefined {
    const v = (i: number): readonly number[] | undefined => this.value(node.inputs[i]);
    const a = v(0);
    switch (node.op) {
      case "Shape":
        return this.shape(node.inputs[0]) && this.shapeSlice(node, this.shape(node.inputs[0]) as Shape);
      case "Size":
        return this.shape(node.inputs[0]) && [(this.shape(node.inputs[0]) as Shape).reduce((p, d) => p * d, 1)];
      case "Identity":
      case "Reshape":
      case "Squeeze":
      case "Unsqueeze":
      case "Flatten":
        return a;
      case "Cast":
        return a && (isInteger(intAttr(node, "to", 0)) ? a.map(Math.trunc) : a);
      case "Floor":
      case "Ceil":
      case "Neg":
        return a && a.map(node.op === "Floor" ? Math.floor : node.op === "Ceil" ? Math.ceil : (n) => -n);
      case "Concat":
        return node.inputs.every((_, i) => v(i)) ? node.inputs.flatMap((_, i) => v(i) as readonly number[]) : undefined;
      case "Gather": {
        const indices = v(1);
        if (!a || !indices || (this.shape(node.inputs[0])?.length ?? 0) !== 1) return undefined;
        return indices.map((i) => a[i < 0 ? i + a.length : i]);
      }
      case "Slice": {
        const starts = this.ints(node, "starts", 1);
        const ends = this.ints(node, "ends", 2);
        if (!a || !starts || !ends) return undefined;
        const [axis] = sliceAxes([a.length], starts, ends, node.inputs[3] ? v(3) : intsAttr(node, "axes"), node.inputs[4] ? v(4) : undefined);
        return axis?.indices.map((i) => a[i]);
      }
      case "ConstantOfShape": {
        const fill = node.attributes.get("value")?.t;
        const n = out.reduce((p, d) => p * d, 1);
        const first = fill?.floatData?.[0] ?? (fill?.int64Data?.[0] !== undefined ? Number(fill.int64Data[0].toString()) : 0);
        return Array<number>(n).fill(first);
      }
    }
    const f = ARITHMETIC[node.op];
    const b = v(1);
    if (!f || !a || !b) return undefined;
    const integer = isInteger(this.types.get(node.outputs[0] ?? "") ?? DT.FLOAT);
    const n = Math.max(a.length, b.length);
    if (a.length !== n && a.length !== 1) return undefined;
    if (b.length !== n && b.length !== 1) return undefined;
    return Array.from({ length: n }, (_, i) => {
      const r = f(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]);
      return integer ? Math.trunc(r) : r;
    });
  }
}

/** Every tensor's shape at this input shape, and the first op that does not fit it. */
export function inferShapes(graph: LightGraph, types: ReadonlyMap<string, number>, inputShape: readonly number[]): InferredShapes {
  const inference = new Inference(graph, types);
  inference.shapes.set(graph.input, inputShape);
  for (const node of graph.nodes) inference.run(node);
  return { shapes: inference.shapes, conflict: inference.conflict };
}
