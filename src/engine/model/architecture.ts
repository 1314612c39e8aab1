import { FeatureMapsError } from "../../shared/errors";
// A model written the way PyTorch code writes it: named nn.Sequential groups plus the functional
// steps of `forward` between them. The built-in XAI model and `*.featuremaps.json` configs both
// use this, so a module's id is exactly its PyTorch name (`features.30`).

export type ModuleSpec =
  | {
      readonly type: "conv2d";
      readonly in: number;
      readonly out: number;
      readonly kernel: number;
      readonly stride?: number;
      readonly padding?: number;
      readonly dilation?: number;
      readonly groups?: number;
      readonly bias?: boolean;
    }
  | { readonly type: "batchnorm2d" | "batchnorm1d"; readonly features: number; readonly eps?: number }
  | { readonly type: "relu" | "sigmoid" | "tanh" | "flatten" }
  | { readonly type: "leaky_relu"; readonly slope?: number }
  | { readonly type: "dropout"; readonly p?: number }
  | { readonly type: "maxpool2d" | "avgpool2d"; readonly kernel: number; readonly stride?: number; readonly padding?: number }
  | { readonly type: "adaptive_avgpool2d"; readonly output: number }
  | { readonly type: "view"; readonly shape: readonly number[] }
  | { readonly type: "linear"; readonly in: number; readonly out: number; readonly bias?: boolean }
  | { readonly type: "log_softmax" | "softmax"; readonly dim?: number };

export type ModuleType = ModuleSpec["type"];

/** A step of `forward`: a named nn.Sequential, or one functional call such as `x.view(-1, 512)`. */
export type Step =
  | { readonly group: string; readonly modules: readonly ModuleSpec[] }
  | { readonly call: ModuleSpec; readonly id: string };

export interface Architecture {
  readonly inputChannels: number;
  readonly steps: readonly Step[];
}

export interface PlannedModule {
  readonly id: string;
  readonly spec: ModuleSpec;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Where the step sits in the architecture, for pointing diagnostics at the right place. */
  readonly stepIndex: number;
  readonly moduleIndex?: number;
}

export class ArchitectureError extends FeatureMapsError {
  constructor(
    message: string,
    readonly stepIndex: number,
    readonly moduleIndex?: number,
  ) {
    super("CONFIG_INVALID", message);
  }
}

const OP_NAMES: Readonly<Record<ModuleType, string>> = {
  conv2d: "Conv2d",
  batchnorm2d: "BatchNorm2d",
  batchnorm1d: "BatchNorm1d",
  relu: "ReLU",
  leaky_relu: "LeakyReLU",
  sigmoid: "Sigmoid",
  tanh: "Tanh",
  dropout: "Dropout",
  maxpool2d: "MaxPool2d",
  avgpool2d: "AvgPool2d",
  adaptive_avgpool2d: "AdaptiveAvgPool2d",
  flatten: "Flatten",
  view: "view",
  linear: "Linear",
  log_softmax: "log_softmax",
  softmax: "softmax",
};

export function pytorchOpName(spec: ModuleSpec): string {
  return OP_NAMES[spec.type];
}

export function moduleIds(arch: Architecture): string[] {
  return arch.steps.flatMap((step) => ("group" in step ? step.modules.map((_, i) => `${step.group}.${i}`) : [step.id]));
}

function pooledSize(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Tracks which module last set the channel count, to say who disagrees with whom. */
interface Flow {
  shape: number[];
  from: string;
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

function outputShape(spec: ModuleSpec, flow: Flow, id: string): number[] {
  const s = flow.shape;
  const op = pytorchOpName(spec);
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
      return s;
    case "batchnorm1d":
      expectRank(flow, id, 2, op);
      expectChannels(flow, id, spec.features, "features");
      return s;
    case "maxpool2d":
    case "avgpool2d": {
      expectRank(flow, id, 4, op);
      const st = spec.stride ?? spec.kernel;
      const p = spec.padding ?? 0;
      if (2 * p > spec.kernel) {
        throw new Error(`${id}: padding (${p}) must be at most half the kernel (${spec.kernel})`);
      }
      return [s[0], s[1], pooledSize(s[2], spec.kernel, st, p), pooledSize(s[3], spec.kernel, st, p)];
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
    default:
      return s;
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

/** Walks the architecture at an input size: every module's id and shapes, or the first problem. */
export function planArchitecture(arch: Architecture, height: number, width: number): PlannedModule[] {
  const flow: Flow = { shape: [1, arch.inputChannels, height, width], from: "the input" };
  const planned: PlannedModule[] = [];
  arch.steps.forEach((step, stepIndex) => {
    const modules = "group" in step ? step.modules.map((spec, i) => ({ spec, id: `${step.group}.${i}`, i })) : [{ spec: step.call, id: step.id, i: undefined }];
    for (const { spec, id, i } of modules) {
      let shape: number[];
      try {
        shape = outputShape(spec, flow, id);
      } catch (e) {
        throw new ArchitectureError((e as Error).message, stepIndex, i);
      }
      if (shape.some((d) => !(d > 0))) {
        throw new ArchitectureError(
          `${id} (${pytorchOpName(spec)}) shrinks [${flow.shape.join(", ")}] to [${shape.join(", ")}]: the input is too small for this depth`,
          stepIndex,
          i,
        );
      }
      planned.push({ id, spec, inputShape: flow.shape, outputShape: shape, stepIndex, moduleIndex: i });
      flow.shape = shape;
      flow.from = id;
    }
  });
  return planned;
}
