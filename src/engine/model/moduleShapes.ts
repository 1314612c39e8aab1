import type { ModuleSpec } from "./architecture";

// What shape each module gives for the shapes it reads, or why it cannot run on them. The
// messages name the module and whoever produced the offending input.

/** An input as the planner knows it: its shape, and which module produced it. */
export interface Flow {
  readonly shape: readonly number[];
  readonly from: string;
}

export function pooledSize(size: number, kernel: number, stride: number, padding: number, dilation = 1, ceil = false): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch's ceil_mode: the last window must start inside the input or its left padding.
  return ceil && (out - 1) * stride >= size + padding ? out - 1 : out;
}

function expectRank(flow: Flow, id: string, rank: number, what: string): void {
  if (flow.shape.length !== rank) {
    throw new Error(`${id} (${what}) expects a ${rank}-D input, ${flow.from} gives [${flow.shape.join(", ")}]`);
  }
}

function expectChannels(flow: Flow, id: string, wanted: number, axisName: string): void {
  const got = flow.shape[1];
  if (got !== wanted) {
    throw new Error(`${id} expects ${wanted} input ${axisName}, ${flow.from} gives ${got}`);
  }
}

function viewShape(input: readonly number[], target: readonly number[], id: string): number[] {
  const total = input.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = target.filter((d) => d === -1).length;
  if (free > 1 || target.some((d) => d === 0 || d < -1)) {
    throw new Error(`${id}: view(${target.join(", ")}) may hold one -1 and otherwise positive sizes`);
  }
  if (free === 0 ? known !== total : total % known !== 0) {
    throw new Error(`${id}: view(${target.join(", ")}) does not fit an input of [${input.join(", ")}] (${total} values)`);
  }
  return target.map((d) => (d === -1 ? total / known : d));
}

/** NumPy broadcasting of two shapes, as `a + b` and `a * b` do in PyTorch. */
function broadcast(a: Flow, b: Flow, id: string): number[] {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (s: readonly number[]): number[] => [...Array<number>(rank - s.length).fill(1), ...s];
  const [x, y] = [pad(a.shape), pad(b.shape)];
  return x.map((d, i) => {
    if (d !== y[i] && d !== 1 && y[i] !== 1) {
      throw new Error(`${id}: ${a.from} [${a.shape.join(", ")}] and ${b.from} [${b.shape.join(", ")}] do not broadcast`);
    }
    return Math.max(d, y[i]);
  });
}

function concatShape(flows: readonly Flow[], id: string): number[] {
  const first = flows[0];
  for (const f of flows) {
    expectRank(f, id, first.shape.length, "cat");
    if (f.shape.some((d, i) => i !== 1 && d !== first.shape[i])) {
      throw new Error(`${id}: cat along dim 1 needs equal other sizes, ${first.from} gives [${first.shape.join(", ")}], ${f.from} [${f.shape.join(", ")}]`);
    }
  }
  return [first.shape[0], flows.reduce((sum, f) => sum + f.shape[1], 0), ...first.shape.slice(2)];
}

/** The output shape of `spec` reading `flows` (one per input, in order). */
export function outputShape(spec: ModuleSpec, flows: readonly Flow[], id: string, op: string): number[] {
  const flow = flows[0];
  const s = flow.shape;
  switch (spec.type) {
    case "conv2d": {
      expectRank(flow, id, 4, op);
      expectChannels(flow, id, spec.in, "channels");
      const groups = spec.groups ?? 1;
      if (spec.in % groups !== 0 || spec.out % groups !== 0) {
        throw new Error(`${id}: in (${spec.in}) and out (${spec.out}) channels must both be divisible by groups (${groups})`);
      }
      const k = spec.kernel;
      const st = spec.stride ?? 1;
      const p = spec.padding ?? 0;
      const d = spec.dilation ?? 1;
      return [s[0], spec.out, pooledSize(s[2], k, st, p, d), pooledSize(s[3], k, st, p, d)];
    }
    case "batchnorm2d":
      expectRank(flow, id, 4, op);
      expectChannels(flow, id, spec.features, "channels");
      return [...s];
    case "batchnorm1d":
      expectRank(flow, id, 2, op);
      expectChannels(flow, id, spec.features, "features");
      return [...s];
    case "maxpool2d":
    case "avgpool2d": {
      expectRank(flow, id, 4, op);
      const st = spec.stride ?? spec.kernel;
      const p = spec.padding ?? 0;
      if (2 * p > spec.kernel) {
        throw new Error(`${id}: padding (${p}) must be at most half the kernel (${spec.kernel})`);
      }
      const ceil = spec.type === "maxpool2d" && spec.ceil === true;
      return [s[0], s[1], pooledSize(s[2], spec.kernel, st, p, 1, ceil), pooledSize(s[3], spec.kernel, st, p, 1, ceil)];
    }
    case "adaptive_avgpool2d":
      expectRank(flow, id, 4, op);
      if (spec.output !== 1 && (s[2] % spec.output !== 0 || s[3] % spec.output !== 0)) {
        throw new Error(
          `${id}: AdaptiveAvgPool2d(${spec.output}) is supported when the input size (${s[2]}x${s[3]}) is a multiple of it`,
        );
      }
      return [s[0], s[1], spec.output, spec.output];
    case "flatten":
      return [s[0], s.slice(1).reduce((a, b) => a * b, 1)];
    case "view":
      return viewShape(s, spec.shape, id);
    case "linear":
      expectRank(flow, id, 2, op);
      expectChannels(flow, id, spec.in, "features");
      return [s[0], spec.out];
    case "add":
    case "mul":
      return broadcast(flows[0], flows[1], id);
    case "concat":
      return concatShape(flows, id);
    default:
      return [...s];
  }
}
