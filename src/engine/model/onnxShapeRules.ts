import { type GraphNode, intsAttr, stringAttr } from "./onnxGraph";

// The shape formulas of the ONNX operator specification, one function per family of ops.

type Shape = readonly number[];
type Fail = (why: string) => undefined;

export function unknownOr(a: Shape | undefined, b: Shape | undefined, f: (a: Shape, b: Shape) => Shape | undefined): Shape | undefined {
  return a && b ? f(a, b) : undefined;
}

/** NumPy's multidirectional broadcast. */
export function broadcast(shapes: readonly Shape[], fail: Fail): Shape | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    const big = dims.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) return fail(`shapes ${shapes.map((s) => `[${s.join(", ")}]`).join(" and ")} do not broadcast`);
    out.push(big[0] ?? 1);
  }
  return out;
}

export function concatShape(shapes: readonly (Shape | undefined)[], axisAttr: number, fail: Fail): Shape | undefined {
  if (shapes.length === 0 || shapes.some((s) => s === undefined)) return undefined;
  const all = shapes as Shape[];
  const rank = all[0].length;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  for (const s of all) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== all[0][i])) {
      return fail(`shapes ${all.map((x) => `[${x.join(", ")}]`).join(" and ")} differ outside axis ${axis}`);
    }
  }
  return all[0].map((d, i) => (i === axis ? all.reduce((sum, s) => sum + s[axis], 0) : d));
}

export function gatherShape(data: Shape, indices: Shape, axisAttr: number): Shape {
  const axis = axisAttr < 0 ? axisAttr + data.length : axisAttr;
  return [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
}

export function matMulShape(a: Shape, b: Shape, fail: Fail): Shape | undefined {
  const [a2, b2] = [a.length === 1 ? [1, a[0]] : a, b.length === 1 ? [b[0], 1] : b];
  if (a2[a2.length - 1] !== b2[b2.length - 2]) return fail(`[${a.join(", ")}] times [${b.join(", ")}]: inner sizes differ`);
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)], fail);
  if (!batch) return undefined;
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.length === 1 ? [] : [b2[b2.length - 1]])];
}

export function reduceShape(x: Shape, axesGiven: readonly number[] | undefined, keep: boolean, noopWithoutAxes: boolean): Shape {
  if (!axesGiven && noopWithoutAxes) return x;
  const axes = new Set((axesGiven ?? x.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a)));
  return keep ? x.map((d, i) => (axes.has(i) ? 1 : d)) : x.filter((_, i) => !axes.has(i));
}

export interface SlicedAxis {
  readonly length: number;
  readonly indices: readonly number[];
}

/** Slice's clamping rules, per axis of `x`: how many elements are kept and which. */
export function sliceAxes(x: Shape, starts: readonly number[], ends: readonly number[], axesGiven: readonly number[] | undefined, stepsGiven: readonly number[] | undefined): SlicedAxis[] {
  const axes = (axesGiven ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a));
  const out: SlicedAxis[] = x.map((d) => ({ length: d, indices: Array.from({ length: Math.min(d, 64) }, (_, i) => i) }));
  axes.forEach((axis, k) => {
    const d = x[axis];
    const step = stepsGiven?.[k] ?? 1;
    let [s, e] = [starts[k], ends[k]];
    if (s < 0) s += d;
    if (e < 0) e += d;
    const indices: number[] = [];
    let length: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      length = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      length = Math.max(0, Math.ceil((s - e) / -step));
    }
    for (let i = 0; i < Math.min(length, 64); i++) indices.push(s + i * step);
    out[axis] = { length, indices };
  });
  return out;
}

/**
 * The spatial sizes after a convolution or pooling window: the formula of the ONNX spec, with
 * onnxruntime's rule for ceil_mode (a last window that would start in the padding is dropped).
 */
export function spatialOut(node: GraphNode, x: Shape, kernel: readonly number[] | undefined, ceil: boolean, fail: Fail): Shape | undefined {
  if (!kernel || kernel.length !== x.length - 2) return undefined;
  const n = kernel.length;
  const strides = intsAttr(node, "strides") ?? kernel.map(() => 1);
  const dilations = intsAttr(node, "dilations") ?? kernel.map(() => 1);
  const pads = intsAttr(node, "pads") ?? Array<number>(2 * n).fill(0);
  const autoPad = stringAttr(node, "auto_pad") ?? "NOTSET";
  const out = x.slice(2).map((d, i) => {
    const span = (kernel[i] - 1) * dilations[i] + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return Math.ceil(d / strides[i]);
    const padded = autoPad === "VALID" ? d : d + pads[i] + pads[i + n];
    const exact = (padded - span) / strides[i] + 1;
    if (!ceil) return Math.floor(exact);
    const rounded = Math.ceil(exact);
    return (rounded - 1) * strides[i] >= d + (autoPad === "VALID" ? 0 : pads[i]) ? rounded - 1 : rounded;
  });
  if (out.some((d) => d < 1)) return fail(`a ${kernel.join("x")} window does not fit a ${x.slice(2).join("x")} input`);
  return [x[0], x[1], ...out];
}
