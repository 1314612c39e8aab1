import { FeatureMapsError } from "../../shared/errors";
import { outputShape } from "./moduleShapes";
// A model written the way PyTorch code writes it. At its simplest (the built-in XAI model and
// `*.featuremaps.json` configs): named nn.Sequential groups plus the functional steps of `forward`
// between them. In general (torchvision's models): a graph of modules in forward order, each
// reading the outputs of earlier ones by name. Either way a module's id is exactly its PyTorch
// name (`features.30`, `layer1.0.conv1`).

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
  | { readonly type: "relu" | "relu6" | "sigmoid" | "hardsigmoid" | "hardswish" | "silu" | "tanh" | "flatten" }
  | { readonly type: "leaky_relu"; readonly slope?: number }
  | { readonly type: "dropout"; readonly p?: number }
  /** torchvision's StochasticDepth: like dropout, the identity in eval mode. */
  | { readonly type: "stochastic_depth"; readonly p: number }
  | { readonly type: "maxpool2d"; readonly kernel: number; readonly stride?: number; readonly padding?: number; readonly ceil?: boolean }
  | { readonly type: "avgpool2d"; readonly kernel: number; readonly stride?: number; readonly padding?: number }
  | { readonly type: "adaptive_avgpool2d"; readonly output: number }
  | { readonly type: "view"; readonly shape: readonly number[] }
  | { readonly type: "linear"; readonly in: number; readonly out: number; readonly bias?: boolean }
  | { readonly type: "log_softmax" | "softmax"; readonly dim?: number }
  /** `a + b` and `a * b` of two earlier outputs (broadcasting), `torch.cat(xs, 1)` of any number. */
  | { readonly type: "add" | "mul" | "concat" }
  /** A module made of others (a residual block, a stage): its output is its last inner module's. */
  | { readonly type: "container"; readonly op: string };

export type ModuleType = ModuleSpec["type"];

/** A step of `forward`: a named nn.Sequential, or one functional call such as `x.view(-1, 512)`. */
export type Step =
  | { readonly group: string; readonly modules: readonly ModuleSpec[] }
  | { readonly call: ModuleSpec; readonly id: string };

export interface Architecture {
  readonly inputChannels: number;
  readonly steps: readonly Step[];
}

/** The name of the graph's input, as modules read it. */
export const INPUT_NAME = "input";

/** One module of a graph; without `inputs` it reads the previous module's output (or the input). */
export interface GraphNode {
  readonly id: string;
  readonly spec: ModuleSpec;
  readonly inputs?: readonly string[];
}

export interface ModuleGraph {
  readonly inputChannels: number;
  /** In the order `forward` runs them. */
  readonly nodes: readonly GraphNode[];
  /**
   * Draw BatchNorm running statistics away from PyTorch's (0, 1) when weights come from a seed,
   * so a comparison with PyTorch exercises them.
   */
  readonly drawnStatistics?: boolean;
}

export interface PlannedModule {
  readonly id: string;
  readonly spec: ModuleSpec;
  /** The outputs it reads, by name: module ids or INPUT_NAME. */
  readonly inputs: readonly string[];
  /** The shape of its first input. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
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

/** A graph that cannot run at a size, with the index of the node at fault. */
export class PlanError extends FeatureMapsError {
  constructor(
    message: string,
    readonly nodeIndex: number,
  ) {
    super("CONFIG_INVALID", message);
  }
}

const OP_NAMES: Readonly<Record<Exclude<ModuleType, "container">, string>> = {
  conv2d: "Conv2d",
  batchnorm2d: "BatchNorm2d",
  batchnorm1d: "BatchNorm1d",
  relu: "ReLU",
  relu6: "ReLU6",
  leaky_relu: "LeakyReLU",
  sigmoid: "Sigmoid",
  hardsigmoid: "Hardsigmoid",
  hardswish: "Hardswish",
  silu: "SiLU",
  tanh: "Tanh",
  dropout: "Dropout",
  stochastic_depth: "StochasticDepth",
  maxpool2d: "MaxPool2d",
  avgpool2d: "AvgPool2d",
  adaptive_avgpool2d: "AdaptiveAvgPool2d",
  flatten: "Flatten",
  view: "view",
  linear: "Linear",
  log_softmax: "log_softmax",
  softmax: "softmax",
  add: "add",
  mul: "mul",
  concat: "cat",
};

export function pytorchOpName(spec: ModuleSpec): string {
  return spec.type === "container" ? spec.op : OP_NAMES[spec.type];
}

/** The steps as a chain of graph nodes, and where each node sits among the steps. */
function lower(arch: Architecture): { graph: ModuleGraph; places: Array<{ step: number; module?: number }> } {
  const nodes: GraphNode[] = [];
  const places: Array<{ step: number; module?: number }> = [];
  arch.steps.forEach((step, i) => {
    if ("group" in step) {
      step.modules.forEach((spec, j) => {
        nodes.push({ id: `${step.group}.${j}`, spec });
        places.push({ step: i, module: j });
      });
    } else {
      nodes.push({ id: step.id, spec: step.call });
      places.push({ step: i });
    }
  });
  return { graph: { inputChannels: arch.inputChannels, nodes }, places };
}

export function moduleIds(arch: Architecture): string[] {
  return lower(arch).graph.nodes.map((n) => n.id);
}

function inputCount(spec: ModuleSpec, given: number): boolean {
  if (spec.type === "add" || spec.type === "mul") return given === 2;
  return spec.type === "concat" ? given >= 1 : given === 1;
}

/** Walks the graph at an input size: every module's inputs and shapes, or the first problem. */
export function planGraph(graph: ModuleGraph, height: number, width: number): PlannedModule[] {
  const shapes = new Map<string, readonly number[]>([[INPUT_NAME, [1, graph.inputChannels, height, width]]]);
  const planned: PlannedModule[] = [];
  let previous = INPUT_NAME;
  graph.nodes.forEach(({ id, spec, inputs = [previous] }, index) => {
    const op = pytorchOpName(spec);
    try {
      if (shapes.has(id)) throw new Error(`${id} is the name of an earlier module or of the input`);
      if (!inputCount(spec, inputs.length)) throw new Error(`${id} (${op}) cannot read ${inputs.length} inputs`);
      const flows = inputs.map((name) => {
        const shape = shapes.get(name);
        if (!shape) throw new Error(`${id} reads ${name}, which no earlier module gives`);
        return { shape, from: name === INPUT_NAME ? "the input" : name };
      });
      const shape = outputShape(spec, flows, id, op);
      if (shape.some((d) => !(d > 0))) {
        throw new Error(`${id} (${op}) shrinks [${flows[0].shape.join(", ")}] to [${shape.join(", ")}]: the input is too small for this depth`);
      }
      planned.push({ id, spec, inputs, inputShape: flows[0].shape, outputShape: shape });
      shapes.set(id, shape);
      previous = id;
    } catch (e) {
      throw new PlanError((e as Error).message, index);
    }
  });
  return planned;
}

/** Plans a step-by-step architecture; its errors say which step and module is at fault. */
export function planArchitecture(arch: Architecture, height: number, width: number): PlannedModule[] {
  const { graph, places } = lower(arch);
  try {
    return planGraph(graph, height, width);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    const place = places[e.nodeIndex];
    throw new ArchitectureError(e.message, place.step, place.module);
  }
}
