import { FeatureMapsError } from "../../shared/errors";
import * as path from "path";
import { type Architecture, INPUT_NAME, type PlannedModule, planArchitecture, planGraph, pytorchOpName } from "./architecture";
import { onnx } from "onnx-proto";
import { moduleTensors, onnxModel } from "./onnxBuild";
import { type InspectedOnnx, inspectOnnx } from "./onnxInspect";
import { ancestorsByName } from "./moduleTree";
import { type Preprocessing, NOTEBOOK_PREPROCESSING } from "../image/preprocess";
import { loadWeightsFile } from "../formats/weightsFile";
import { readRegularFile } from "../formats/files";
import { checkWeights, DrawnWeights, initialWeights, parameterBytes, type Tensor, type WeightMap } from "./weights";
import { XAI_INPUT_SIZE, xaiArchitecture } from "./xaiArchitecture";
import type { TorchvisionArch } from "../../shared/choices";
import { IMAGENET_CLASSES, TORCHVISION_PREPROCESSING, torchvisionGraph } from "./torchvision/registry";
import imagenetClasses from "./torchvision/imagenetClasses.json";

/** Where the weights of an architecture come from. */
/** `file` is a .safetensors file or a torch.save checkpoint; `key` picks the state_dict inside a checkpoint dict. */
export type WeightsSource = { readonly seed: number } | { readonly file: string; readonly key?: string };

/** `labels`: a text file of class names, one per line, for the model's first output (a config's `labels`). */
export type ModelSource = (
  | { readonly kind: "builtin"; readonly weights: WeightsSource }
  | { readonly kind: "onnx"; readonly path: string }
  | { readonly kind: "torchvision"; readonly name: TorchvisionArch; readonly weights: WeightsSource }
  | {
      readonly kind: "architecture";
      readonly label: string;
      readonly architecture: Architecture;
      readonly weights: WeightsSource;
      readonly preprocessing: Preprocessing;
    }
) & { readonly labels?: string };

export const BUILTIN_MODEL: ModelSource = { kind: "builtin", weights: { seed: 0 } };

/** A model graph ready for onnxruntime (its bytes: onnxruntime has its own copy once a session is open). */
export interface PreparedModel extends InspectedOnnx {
  readonly label: string;
  /** Weights fed as graph inputs at every run (built models); a user's ONNX file holds its own. */
  readonly parameters?: ReadonlyMap<string, Tensor>;
  readonly defaults: Preprocessing;
  /** What each output of a classifier head means, by index (ImageNet's names for a 1000-class torchvision model). */
  readonly classNames?: readonly string[];
  /** Architectures know every shape without running. */
  readonly plan?: (height: number, width: number) => PlannedModule[];
  /**
   * The bytes again, for cutting the graph down to one layer: a built model's are small and kept;
   * a user's file is read again rather than held twice beside onnxruntime's copy.
   */
  readonly reload: () => Promise<Uint8Array>;
}

async function loadWeights(source: WeightsSource, modules: PlannedModule[], drawn: DrawnWeights, drawnStatistics: boolean): Promise<WeightMap> {
  if ("seed" in source) return drawn.draw(modules, source.seed, drawnStatistics);
  const weights = await loadWeightsFile(source.file, source.key);
  checkWeights(modules, weights);
  return weights;
}

function weightsLabel(source: WeightsSource): string {
  return "seed" in source ? `seed ${source.seed}` : path.basename(source.file);
}

/** A model the engine builds: how to plan it at a size, and what it is drawn or loaded as. */
interface Buildable {
  readonly plan: (height: number, width: number) => PlannedModule[];
  readonly inputChannels: number;
  readonly drawnStatistics?: boolean;
  readonly classNames?: readonly string[];
}

function architectureBuildable(architecture: Architecture): Buildable {
  return { plan: (h, w) => planArchitecture(architecture, h, w), inputChannels: architecture.inputChannels };
}

async function torchvisionBuildable(name: TorchvisionArch, source: WeightsSource): Promise<Buildable> {
  const graph = await torchvisionGraph(name, source);
  return {
    plan: (h, w) => planGraph(graph, h, w),
    inputChannels: graph.inputChannels,
    drawnStatistics: graph.drawnStatistics,
    classNames: graph.classes === IMAGENET_CLASSES ? imagenetClasses : undefined,
  };
}

async function prepareArchitecture(
  model: Buildable,
  weightsSource: WeightsSource,
  label: string,
  defaults: Preprocessing,
  drawn: DrawnWeights,
  maxWeightBytes: number,
): Promise<PreparedModel> {
  const { plan, inputChannels } = model;
  const modules = plan(defaults.height, defaults.width);
  const weightBytes = parameterBytes(modules);
  if (weightBytes > maxWeightBytes) {
    const mb = (b: number): number => Math.ceil(b / 2 ** 20);
    throw new FeatureMapsError("OUT_OF_BUDGET", `${label}: its weights take ${mb(weightBytes)} MB, over the memory budget of ${mb(maxWeightBytes)} MB (featureMaps.memoryBudgetMB, CLI --memory-budget)`);
  }
  const weights = await loadWeights(weightsSource, modules, drawn, model.drawnStatistics ?? false);
  const built = onnxModel(modules, weights, inputChannels);
  const bytes = onnx.ModelProto.encode(built.model).finish();
  const ancestors = ancestorsByName(modules.map((m) => m.id));
  const tensors = moduleTensors(modules);
  return {
    label: `${label} (${weightsLabel(weightsSource)})`,
    bytes,
    reload: async () => bytes,
    parameters: built.parameters,
    inputName: INPUT_NAME,
    inputChannels,
    defaults,
    classNames: model.classNames,
    candidates: modules.map((m) => ({ tensor: tensors.get(m.id) ?? m.id, id: m.id, name: m.id, op: pytorchOpName(m.spec), ancestors: ancestors.get(m.id) ?? [] })),
    outputs: [tensors.get(modules[modules.length - 1].id) ?? modules[modules.length - 1].id],
    plan,
  };
}

/**
 * The state_dict a seed gives the built-in model or a torchvision architecture, as a weights file
 * would hold it (for `feature-maps weights`, and for PyTorch to load in the reference scripts).
 */
export async function seededStateDict(source: ModelSource): Promise<WeightMap> {
  if ((source.kind !== "builtin" && source.kind !== "torchvision") || !("seed" in source.weights)) {
    throw new FeatureMapsError("CONFIG_INVALID", "only the built-in model and torchvision architectures draw their weights from a seed");
  }
  const model = source.kind === "builtin" ? architectureBuildable(xaiArchitecture()) : await torchvisionBuildable(source.name, source.weights);
  const size = source.kind === "builtin" ? XAI_INPUT_SIZE : TORCHVISION_PREPROCESSING;
  return initialWeights(model.plan(size.height, size.width), source.weights.seed, model.drawnStatistics ?? false);
}

const DEFAULT_ONNX_PREPROCESSING: Preprocessing = { height: 224, width: 224, channelOrder: "rgb", scale: 1 / 255 };

/**
 * `drawn` is what a long-lived caller keeps from one build for the next: an edited config rebuilds
 * the model. An architecture whose weights would take more than `maxWeightBytes` is refused
 * before any is drawn or read.
 */
export async function prepareModel(source: ModelSource, drawn = new DrawnWeights(), maxWeightBytes = Number.POSITIVE_INFINITY): Promise<PreparedModel> {
  const prepared = await prepareOf(source, drawn, maxWeightBytes);
  return source.labels ? { ...prepared, classNames: await readLabels(source.labels) } : prepared;
}

/** The most class names a labels file may hold. */
const MAX_LABELS = 100_000;

/** One class name per line; trailing blank lines do not count. */
async function readLabels(file: string): Promise<string[]> {
  const lines = new TextDecoder().decode(await readRegularFile(file, "config")).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  if (lines.length > MAX_LABELS) throw new FeatureMapsError("CONFIG_INVALID", `${path.basename(file)}: ${lines.length} lines, more than the ${MAX_LABELS} class names a labels file may hold`);
  return lines.map((l) => l.trim());
}

async function prepareOf(source: ModelSource, drawn: DrawnWeights, maxWeightBytes: number): Promise<PreparedModel> {
  switch (source.kind) {
    case "builtin":
      return prepareArchitecture(architectureBuildable(xaiArchitecture()), source.weights, "XAI", { ...NOTEBOOK_PREPROCESSING, ...XAI_INPUT_SIZE }, drawn, maxWeightBytes);
    case "architecture":
      return prepareArchitecture(architectureBuildable(source.architecture), source.weights, source.label, source.preprocessing, drawn, maxWeightBytes);
    case "torchvision":
      return prepareArchitecture(await torchvisionBuildable(source.name, source.weights), source.weights, source.name, TORCHVISION_PREPROCESSING, drawn, maxWeightBytes);
    case "onnx": {
      const inspect = async (): Promise<InspectedOnnx> => inspectOnnx(await readRegularFile(source.path, "model"), source.path);
      const inspected = await inspect();
      const size = inspected.fixedSize ?? DEFAULT_ONNX_PREPROCESSING;
      return {
        ...inspected,
        label: path.basename(source.path),
        defaults: { ...DEFAULT_ONNX_PREPROCESSING, height: size.height, width: size.width },
        reload: async () => (await inspect()).bytes,
      };
    }
  }
}

