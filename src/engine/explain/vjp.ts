import type { onnx } from "onnx-proto";
import type { GraphWriter } from "./graphWriter";

// The vector-Jacobian product of each supported op, written as ordinary inference ops: given the
// gradient of the score with respect to a node's output, the gradient with respect to each of
// its inputs that depends on the explained layer. Forward tensors (a node's inputs and outputs)
// are read by name; the backward graph receives them from the forward run.

export interface VjpContext {
  readonly node: onnx.INodeProto;
  readonly w: GraphWriter;
  /** Gradient of the score with respect to the node's first output. */
  readonly gy: string;
  /** Whether input `i` depends on the explained layer (only those need a gradient). */
  readonly needs: (i: number) => boolean;
  /** The forward model's opset: Softmax's default axis changed at 13. */
  readonly opset: number;
}

/** Per input index, its gradient (undefined where none is needed). */
type Rule = (c: VjpContext) => (string | undefined)[];

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function intAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i === undefined || a.i === null ? fallback : Number(a.i);
}

function intsAttr(node: onnx.INodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a && (a.ints ?? []).length > 0 ? (a.ints ?? []).map(Number) : undefined;
}

function floatAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.f === undefined || a.f === null ? fallback : a.f;
}

function stringAttr(node: onnx.INodeProto, name: string): string | undefined {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

const inputs = (c: VjpContext): string[] => c.node.input ?? [];
const output = (c: VjpContext): string => (c.node.output ?? [])[0];

const FLOAT_TYPE = 1;

/** An op the backward pass cannot go through, with the reason shown to the user. */
export class UnsupportedOp extends Error {}

/** Gradient only for the first input, passed through `f`; other inputs are constants here. */
const firstOnly =
  (f: (c: VjpContext, x: string) => string): Rule =>
  (c) => [f(c, inputs(c)[0])];

const passThrough = firstOnly((c) => c.gy);
const reshapeBack = firstOnly((c, x) => c.w.one("Reshape", [c.gy, c.w.one("Shape", [x])]));

/** gy where `keep` holds, else 0. */
function masked(c: VjpContext, keep: string): string {
  return c.w.one("Where", [keep, c.gy, c.w.scalar(0)]);
}

/**
 * The input-side gradient from the full (unpadded) transposed window op: the part under the
 * input, past the begin padding; rows after the last window (stride leftovers) get 0.
 */
function underInput(c: VjpContext, full: string, x: string, padsBegin: readonly number[]): string {
  const { w } = c;
  const axes = padsBegin.map((_, i) => i + 2);
  const inputSize = w.one("Slice", [w.one("Shape", [x]), w.ints([2]), w.ints([Number.MAX_SAFE_INTEGER])]);
  const begin = w.ints(padsBegin);
  const inside = w.one("Slice", [full, begin, w.one("Add", [begin, inputSize]), w.ints(axes)]);
  const spatial = w.one("Slice", [w.one("Shape", [inside]), w.ints([2]), w.ints([Number.MAX_SAFE_INTEGER])]);
  const missing = w.one("Sub", [inputSize, spatial]);
  const zeros = w.ints(new Array<number>(padsBegin.length + 4).fill(0));
  return w.one("Pad", [inside, w.one("Concat", [zeros, missing], { axis: 0 })]);
}

/** A window op's attributes without its pads, and the pads at the start of each spatial axis. */
function windowAttrs(node: onnx.INodeProto, spatialAxes: number): { attrs: Record<string, number[]>; padsBegin: number[] } {
  const autoPad = stringAttr(node, "auto_pad");
  if (autoPad && autoPad !== "NOTSET" && autoPad !== "VALID") {
    throw new UnsupportedOp(`auto_pad ${autoPad} is not supported by the backward pass (explicit pads are)`);
  }
  const attrs: Record<string, number[]> = {};
  for (const name of ["kernel_shape", "strides", "dilations"]) {
    const v = intsAttr(node, name);
    if (v) attrs[name] = v;
  }
  const pads = intsAttr(node, "pads") ?? [];
  return { attrs, padsBegin: Array.from({ length: spatialAxes }, (_, i) => pads[i] ?? 0) };
}

function spatialAxesOf(c: VjpContext): number {
  const kernel = intsAttr(c.node, "kernel_shape");
  if (!kernel) throw new UnsupportedOp("a window op without kernel_shape is not supported");
  return kernel.length;
}

const conv: Rule = (c) => {
  const [x, weight] = inputs(c);
  if (!c.needs(0)) return [];
  if (c.needs(1)) throw new UnsupportedOp("its weights depend on the explained layer");
  const { attrs, padsBegin } = windowAttrs(c.node, spatialAxesOf(c));
  const full = c.w.one("ConvTranspose", [c.gy, weight], { ...attrs, group: intAttr(c.node, "group", 1) });
  return [underInput(c, full, x, padsBegin)];
};

const convTranspose: Rule = (c) => {
  const [, weight] = inputs(c);
  if (!c.needs(0)) return [];
  if (intsAttr(c.node, "output_shape")) throw new UnsupportedOp("output_shape is not supported by the backward pass");
  const pads = intsAttr(c.node, "pads");
  return [c.w.one("Conv", [c.gy, weight], { ...windowAttrs(c.node, spatialAxesOf(c)).attrs, ...(pads ? { pads } : {}), group: intAttr(c.node, "group", 1) })];
};

const batchNorm: Rule = firstOnly((c) => {
  const [, scale, , , variance] = inputs(c);
  const { w } = c;
  const factor = w.one("Div", [scale, w.one("Sqrt", [w.one("Add", [variance, w.scalar(floatAttr(c.node, "epsilon", 1e-5))])])]);
  return w.one("Mul", [c.gy, w.perChannel(factor, inputs(c)[0])]);
});

const maxPool: Rule = firstOnly((c, x) => {
  const { w } = c;
  if (intAttr(c.node, "storage_order", 0) !== 0) throw new UnsupportedOp("storage_order 1 is not supported");
  // The same pooling again, for where each maximum came from; gradients of windows that share a
  // maximum add up there, as in PyTorch's max_pool2d backward.
  const pads = intsAttr(c.node, "pads");
  const attrs: Record<string, number[] | number> = { ...windowAttrs(c.node, spatialAxesOf(c)).attrs, ...(pads ? { pads } : {}), ceil_mode: intAttr(c.node, "ceil_mode", 0) };
  const [, indices] = w.op("MaxPool", [x], attrs, 2);
  const flat = w.one("Reshape", [w.zerosLike(x), w.ints([-1])]);
  const scattered = w.one("ScatterElements", [flat, w.one("Reshape", [indices, w.ints([-1])]), w.one("Reshape", [c.gy, w.ints([-1])])], {
    axis: 0,
    reduction: "add",
  });
  return w.one("Reshape", [scattered, w.one("Shape", [x])]);
});

const averagePool: Rule = firstOnly((c, x) => {
  const { w } = c;
  const { attrs, padsBegin } = windowAttrs(c.node, spatialAxesOf(c));
  const kernel = attrs.kernel_shape;
  if (kernel.length !== 2) throw new UnsupportedOp("only 2-D average pooling is supported");
  if (intAttr(c.node, "ceil_mode", 0) !== 0) throw new UnsupportedOp("ceil_mode is not supported");
  const size = kernel[0] * kernel[1];
  const pads = intsAttr(c.node, "pads") ?? [];
  // Each output's divisor: the whole window, or only its part inside the input.
  const ones = (shape: string): string =>
    w.one("ConstantOfShape", [shape], { value: { dims: [1], dataType: FLOAT_TYPE, rawData: new Uint8Array(new Float32Array([1]).buffer) } });
  const divisor =
    intAttr(c.node, "count_include_pad", 0) === 1 || !pads.some((p) => p > 0)
      ? w.scalar(size)
      : w.one("Mul", [w.one("AveragePool", [ones(w.one("Shape", [x]))], { ...attrs, pads, count_include_pad: 1 }), w.scalar(size)]);
  const scaled = w.one("Div", [c.gy, divisor]);
  // One channel at a time: fold channels into the batch and spread with a kernel of ones.
  const n1hw = w.one("Concat", [w.ints([-1, 1]), w.one("Slice", [w.one("Shape", [scaled]), w.ints([2]), w.ints([4])])], { axis: 0 });
  const spread = w.one("ConvTranspose", [w.one("Reshape", [scaled, n1hw]), ones(w.ints([1, 1, kernel[0], kernel[1]]))], attrs);
  const nc = w.one("Slice", [w.one("Shape", [x]), w.ints([0]), w.ints([2])]);
  const back = w.one("Reshape", [spread, w.one("Concat", [nc, w.one("Slice", [w.one("Shape", [spread]), w.ints([2]), w.ints([4])])], { axis: 0 })]);
  return underInput(c, back, x, padsBegin);
});

const globalAveragePool: Rule = firstOnly((c, x) => {
  const { w } = c;
  const shape = w.one("Shape", [x]);
  const area = w.one("Cast", [w.one("ReduceProd", [w.one("Slice", [shape, w.ints([2]), w.ints([Number.MAX_SAFE_INTEGER])])], { keepdims: 0 })], { to: 1 });
  return w.one("Div", [w.one("Expand", [c.gy, shape]), area]);
});

const reduceMean: Rule = firstOnly((c, x) => {
  const { w } = c;
  const axes = intsAttr(c.node, "axes") ?? (inputs(c)[1] ? undefined : []);
  if (axes === undefined) throw new UnsupportedOp("ReduceMean with axes as an input is not supported");
  const shape = w.one("Shape", [x]);
  const g = intAttr(c.node, "keepdims", 1) === 1 || axes.length === 0 ? c.gy : w.one("Unsqueeze", [c.gy, w.ints(axes)]);
  const count = w.one("Cast", [w.one("Div", [w.one("ReduceProd", [shape], { keepdims: 0 }), w.one("ReduceProd", [w.one("Shape", [c.gy])], { keepdims: 0 })])], { to: 1 });
  return w.one("Div", [w.one("Expand", [g, shape]), count]);
});

const gemm: Rule = (c) => {
  const [, b] = inputs(c);
  if (!c.needs(0)) return [];
  if (c.needs(1)) throw new UnsupportedOp("both of its inputs depend on the explained layer");
  if (intAttr(c.node, "transA", 0) !== 0) throw new UnsupportedOp("transA is not supported");
  const { w } = c;
  // y = alpha * x B' (+ beta C): dx = alpha * gy B'^T, where B' is B or B^T.
  const bt = intAttr(c.node, "transB", 0) === 1 ? b : w.one("Transpose", [b]);
  const gx = w.one("MatMul", [c.gy, bt]);
  const alpha = floatAttr(c.node, "alpha", 1);
  return [alpha === 1 ? gx : w.one("Mul", [gx, w.scalar(alpha)])];
};

const matMul: Rule = (c) => {
  const [, b] = inputs(c);
  if (c.needs(1)) throw new UnsupportedOp("its second input depends on the explained layer");
  if (!c.needs(0)) return [];
  return [c.w.one("MatMul", [c.gy, c.w.one("Transpose", [b])])];
};

const add: Rule = (c) => inputs(c).map((x, i) => (c.needs(i) ? c.w.unbroadcast(c.gy, x) : undefined));

const sub: Rule = (c) => {
  const [a, b] = inputs(c);
  return [c.needs(0) ? c.w.unbroadcast(c.gy, a) : undefined, c.needs(1) ? c.w.unbroadcast(c.w.one("Neg", [c.gy]), b) : undefined];
};

const mul: Rule = (c) => {
  const [a, b] = inputs(c);
  return [c.needs(0) ? c.w.unbroadcast(c.w.one("Mul", [c.gy, b]), a) : undefined, c.needs(1) ? c.w.unbroadcast(c.w.one("Mul", [c.gy, a]), b) : undefined];
};

const div: Rule = (c) => {
  const [a, b] = inputs(c);
  if (c.needs(1)) throw new UnsupportedOp("its divisor depends on the explained layer");
  return [c.needs(0) ? c.w.unbroadcast(c.w.one("Div", [c.gy, b]), a) : undefined];
};

const relu: Rule = firstOnly((c, x) => masked(c, c.w.one("Greater", [x, c.w.scalar(0)])));

const leakyRelu: Rule = firstOnly((c, x) =>
  c.w.one("Where", [c.w.one("Greater", [x, c.w.scalar(0)]), c.gy, c.w.one("Mul", [c.gy, c.w.scalar(floatAttr(c.node, "alpha", 0.01))])]),
);

const clip: Rule = firstOnly((c, x) => {
  const { w } = c;
  const [, lo, hi] = inputs(c);
  const min = lo ? w.one("Cast", [lo], { to: 1 }) : w.scalar(floatAttr(c.node, "min", -3.4028234663852886e38));
  const max = hi ? w.one("Cast", [hi], { to: 1 }) : w.scalar(floatAttr(c.node, "max", 3.4028234663852886e38));
  return masked(c, w.one("And", [w.one("Greater", [x, min]), w.one("Less", [x, max])]));
});

const sigmoid: Rule = firstOnly((c) => {
  const y = output(c);
  return c.w.one("Mul", [c.gy, c.w.one("Mul", [y, c.w.one("Sub", [c.w.scalar(1), y])])]);
});

const tanh: Rule = firstOnly((c) => {
  const y = output(c);
  return c.w.one("Mul", [c.gy, c.w.one("Sub", [c.w.scalar(1), c.w.one("Mul", [y, y])])]);
});

const hardSigmoid: Rule = firstOnly((c, x) => {
  const { w } = c;
  const alpha = floatAttr(c.node, "alpha", 0.2);
  const z = w.one("Add", [w.one("Mul", [x, w.scalar(alpha)]), w.scalar(floatAttr(c.node, "beta", 0.5))]);
  const inside = w.one("And", [w.one("Greater", [z, w.scalar(0)]), w.one("Less", [z, w.scalar(1)])]);
  return w.one("Where", [inside, w.one("Mul", [c.gy, w.scalar(alpha)]), w.scalar(0)]);
});

const hardSwish: Rule = firstOnly((c, x) => {
  const { w } = c;
  // PyTorch's hardswish backward: 0 below -3, gy (x/3 + 1/2) up to 3, gy above.
  const middle = w.one("Mul", [c.gy, w.one("Add", [w.one("Div", [x, w.scalar(3)]), w.scalar(0.5)])]);
  const upper = w.one("Where", [w.one("Greater", [x, w.scalar(3)]), c.gy, middle]);
  return w.one("Where", [w.one("Less", [x, w.scalar(-3)]), w.scalar(0), upper]);
});

function softmaxAxis(c: VjpContext): number {
  return intAttr(c.node, "axis", c.opset >= 13 ? -1 : 1);
}

const softmax: Rule = firstOnly((c) => {
  const { w } = c;
  const y = output(c);
  const dot = w.one("ReduceSum", [w.one("Mul", [c.gy, y]), w.ints([softmaxAxis(c)])], { keepdims: 1 });
  return w.one("Mul", [y, w.one("Sub", [c.gy, dot])]);
});

const logSoftmax: Rule = firstOnly((c) => {
  const { w } = c;
  const total = w.one("ReduceSum", [c.gy, w.ints([softmaxAxis(c)])], { keepdims: 1 });
  return w.one("Sub", [c.gy, w.one("Mul", [w.one("Exp", [output(c)]), total])]);
});

const transpose: Rule = firstOnly((c) => {
  const perm = intsAttr(c.node, "perm");
  if (!perm) return c.w.one("Transpose", [c.gy]);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return c.w.one("Transpose", [c.gy], { perm: inverse });
});

const concat: Rule = (c) => {
  const { w } = c;
  const axis = intAttr(c.node, "axis", 0);
  let start = w.ints([0]);
  return inputs(c).map((x, i) => {
    const end = w.one("Add", [start, w.dim(x, axis)]);
    const grad = c.needs(i) ? w.one("Slice", [c.gy, start, end, w.ints([axis])]) : undefined;
    start = end;
    return grad;
  });
};

const pad: Rule = firstOnly((c) => {
  const { w } = c;
  const mode = stringAttr(c.node, "mode") ?? "constant";
  if (mode !== "constant") throw new UnsupportedOp(`Pad mode "${mode}" is not supported (constant is)`);
  const listed = intsAttr(c.node, "pads");
  const pads = listed ? w.ints(listed) : inputs(c)[1];
  const half = w.one("Div", [w.one("Shape", [pads]), w.ints([2])]);
  const begin = w.one("Slice", [pads, w.ints([0]), half]);
  const end = w.one("Slice", [pads, half, w.ints([Number.MAX_SAFE_INTEGER])]);
  // The padded border had no input behind it: the gradient is the inner part.
  return w.one("Slice", [c.gy, begin, w.one("Sub", [w.one("Shape", [c.gy]), end])]);
});

const RULES: Readonly<Record<string, Rule>> = {
  Pad: pad,
  Conv: conv,
  ConvTranspose: convTranspose,
  BatchNormalization: batchNorm,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  ReduceMean: reduceMean,
  Gemm: gemm,
  MatMul: matMul,
  Add: add,
  Sum: add,
  Sub: sub,
  Mul: mul,
  Div: div,
  Relu: relu,
  LeakyRelu: leakyRelu,
  Clip: clip,
  Sigmoid: sigmoid,
  Tanh: tanh,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  Transpose: transpose,
  Concat: concat,
  Flatten: reshapeBack,
  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Dropout: passThrough,
  Identity: passThrough,
  Cast: passThrough,
};

export function vjpRule(opType: string): Rule | undefined {
  return RULES[opType];
}
