import { promises as fs } from "fs";
import * as path from "path";
import { DEFAULTS } from "../shared/choices";
import { checkpoint, FeatureMapsError } from "../shared/errors";
import type { ImageView, LayerInfo, ModelView, ProviderChoice } from "../shared/protocol";
import { Analysis } from "./analysis/analysis";
import { ComputedActivations, HeldActivations } from "./analysis/sources";
import type { Activation } from "./analysis/stats";
import { readImage, type RgbaImage } from "./image/decode";
import { displayCopy, picture, planesPicture } from "./image/pictures";
import { checkPreprocessing, modelInputBytes, planesToTensor, type Preprocessing, preprocessingKey } from "./image/preprocess";
import { type ModelSource, prepareModel } from "./model/models";
import { withParents } from "./model/moduleTree";
import { findLayer, unknownLayerMessage } from "../shared/layerIds";
import { openingLayer } from "../shared/layerRequests";
import { ProgressiveActivations } from "./analysis/progressive";
import { DrawnWeights } from "./model/weights";
import type { CudaSetup } from "./gpu/runtime";
import { BoundedCache } from "./run/boundedCache";
import { type PlannedLayer, planLayers } from "./run/estimate";
import { ModelRunner, type RunResult, showsAsLayer } from "./run/inference";
import type { Candidate } from "./model/onnxInspect";
import { Explainer, type ExplainOptions } from "./explain/explainer";
import type { ClassScore, ExplainReply } from "../shared/explain";
import type { ScoreReduction } from "../shared/choices";
import { safePoint } from "./run/safePoint";
import { type ScanHooks, scanFolder } from "./scan/scanner";
import { SCAN_LIMITS, type ScanResult } from "../shared/scan";

export interface EngineOptions {
  readonly provider: ProviderChoice;
  readonly maxMegapixels?: number;
  /**
   * What one analysis may hold, and what the cache of analyses kept for quick layer switches
   * holds in all: a model whose layers at the input size are more computes each layer when asked.
   */
  readonly memoryBudgetMB?: number;
  /** Sessions kept open; each holds its model's weights. */
  readonly maxSessions?: number;
  readonly threads?: number;
  /** Where the CUDA provider is; read by the inference process before it loads onnxruntime. */
  readonly cuda?: CudaSetup;
}

export type InputSource = { readonly image: string } | { readonly tensor: Float32Array; readonly height: number; readonly width: number; readonly label: string };

export interface AnalyzeRequest {
  readonly input: InputSource;
  readonly model: ModelSource;
  /** Overrides of the model's own preprocessing defaults. */
  readonly preprocessing?: Partial<Preprocessing>;
}

/** The layer a view will show first: named, or its opening layer given the pinned ones. */
export type FirstLayer = { readonly layer: string } | { readonly pinned: readonly string[] };

export interface AnalyzeOptions {
  /** Made only if it fits beside the analyses held, so that it never evicts the one on screen; else refused with OUT_OF_BUDGET before anything runs. */
  readonly prefetch?: boolean;
  /**
   * The analysis may be ready as soon as this layer is: when the graph cut down to it is open,
   * only the cut graph runs at first, and the whole model in the background (ProgressiveActivations).
   */
  readonly first?: FirstLayer;
}

/**
 * How long after an analysis made from a cut graph its whole run starts: meanwhile the first
 * tiles travel to the view and are painted, on the cores the whole run would take.
 */
const WHOLE_RUN_AFTER_MS = 250;

/** A folder scan: every image under `folder` through one layer of the model. */
export interface ScanRequest {
  readonly folder: string;
  readonly model: ModelSource;
  readonly preprocessing?: Partial<Preprocessing>;
  readonly layer: string;
  readonly top: number;
  readonly maxImages: number;
  readonly batch?: number;
}

function checkWhole(name: string, value: number, [low, high]: readonly [number, number]): void {
  if (!(Number.isInteger(value) && value >= low && value <= high)) throw new FeatureMapsError("INPUT_INVALID", `${name} must be a whole number from ${low} to ${high}, got ${value}`);
}

const IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

/** What an analysis holds when it keeps every layer: its input and each tensor once (a module and the container it ends are one tensor). */
function heldBytes(planned: readonly { readonly info: LayerInfo; readonly bytes: number }[], inputBytes: number): number {
  const byTensor = new Map(planned.map((l) => [l.info.tensor ?? l.info.id, l.bytes]));
  return [...byTensor.values()].reduce((sum, b) => sum + b, inputBytes);
}

function layerOf(result: RunResult, layer: string): Activation {
  const a = result.activations.get(layer);
  if (!a) throw new FeatureMapsError("INTERNAL", `the run gave no values for ${layer}`);
  return a;
}

/** The model's own output shape, as a run reports it, not as an NHWC map is shown. */
function plannedOutputShape(planned: readonly PlannedLayer[], output: string | undefined): number[] {
  const final = planned.find((l) => l.info.tensor === output || l.info.id === output)?.info;
  return final?.layout === "nhwc" ? [final.shape[0], final.shape[2], final.shape[3], final.shape[1]] : [...(final?.shape ?? [])];
}

/** The candidate a view will show first, if it is one: a container shown by its own tensor is not. */
function firstLayer(planned: readonly PlannedLayer[], candidates: readonly Candidate[], first: FirstLayer): string | undefined {
  const layers = withParents(planned.map((l) => l.info), candidates);
  const id = "layer" in first ? findLayer(layers, first.layer)?.id : openingLayer(layers, first.pinned)?.id;
  return planned.some((l) => l.info.id === id) ? id : undefined;
}

async function inputKey(input: InputSource): Promise<string> {
  if (!("image" in input)) return `tensor:${input.label}:${input.height}x${input.width}`;
  try {
    const s = await fs.stat(input.image);
    return `image:${path.resolve(input.image)}@${s.mtimeMs}:${s.size}`;
  } catch {
    return `image:${path.resolve(input.image)}`;
  }
}

/**
 * The whole pipeline behind one object: models and sessions opened once, analyses kept within a
 * memory bound, concurrent identical requests computed once. Imports nothing from vscode, so the
 * CLI, the tests and the extension's inference process all use it.
 */
export class FeatureMapsEngine {
  private readonly models: BoundedCache<ModelRunner>;
  private readonly analyses: BoundedCache<Analysis>;
  /** Layers computed one at a time, for analyses over the budget; a share of the budget. */
  private readonly computed: BoundedCache<Activation>;
  /** Decoded images: a model edited in a config runs on the same picture again, and jimp is slow. */
  private readonly images = new BoundedCache<RgbaImage>(IMAGE_CACHE_BYTES, (image) => image.rgba.byteLength);
  /** Initial weights of the last build: a config edit redraws only the modules it changed. */
  private readonly drawn = new DrawnWeights();
  /** Explanation sessions of a model, released with it. */
  private readonly explainers = new WeakMap<ModelRunner, Explainer>();
  private runs = 0;
  /**
   * Runs go one at a time: a run already uses every core, and two analyses made at once would
   * each fit the budget while together they would not.
   */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EngineOptions) {
    this.models = new BoundedCache<ModelRunner>(options.maxSessions ?? 2, () => 1, (runner, key) => {
      // Its analyses go with it: reaching one would open the model again anyway, and a config
      // being edited makes a new model and analysis per edit. Memory freed is memory the next
      // run reuses, and reused memory is cheaper than memory touched for the first time.
      this.analyses.dropWhere((k) => (JSON.parse(k) as unknown[])[0] === key);
      void this.explainers.get(runner)?.release();
      void runner.release();
    });
    this.analyses = new BoundedCache<Analysis>(this.budget, (a) => a.bytes, (_a, key) => this.computed.dropWhere((k) => k.startsWith(`${key}\n`)));
    this.computed = new BoundedCache<Activation>(this.budget / 2, (a) => a.data.byteLength);
  }

  private get budget(): number {
    return (this.options.memoryBudgetMB ?? DEFAULTS.memoryBudgetMB) * 1024 * 1024;
  }

  private async modelKey(source: ModelSource): Promise<string> {
    const files = source.kind === "onnx" ? [source.path] : "file" in source.weights ? [source.weights.file] : [];
    const stamps = await Promise.all(files.map((f) => fs.stat(f).then((s) => `${s.mtimeMs}:${s.size}`, () => "missing")));
    return JSON.stringify([source, stamps]);
  }

  async open(source: ModelSource): Promise<ModelRunner> {
    return (await this.opened(source)).runner;
  }

  private async opened(source: ModelSource, signal?: AbortSignal): Promise<{ readonly key: string; readonly runner: ModelRunner }> {
    const key = await this.modelKey(source);
    const runner = await this.models.get(
      key,
      async (stop) => {
        const prepared = await prepareModel(source, this.drawn, this.budget);
        checkpoint(stop);
        return ModelRunner.open(prepared, { provider: this.options.provider, threads: this.options.threads });
      },
      signal,
    );
    return { key, runner };
  }

  /**
   * The id of the layer a user names by id or ONNX tensor name, from the model alone: an unknown
   * id, or a tensor that is no feature map, is refused before anything runs.
   */
  async layerId(source: ModelSource, wanted: string): Promise<string> {
    const runner = await this.open(source);
    const { model } = runner;
    const found = findLayer(model.candidates, wanted);
    if (!found) throw new FeatureMapsError("LAYER_UNKNOWN", unknownLayerMessage(wanted, model.label, model.candidates.map((c) => c.id)));
    const declared = runner.declared().get(found.id);
    if (declared && !showsAsLayer(model, found.tensor, declared.type, declared.shape.length)) {
      throw new FeatureMapsError("LAYER_UNKNOWN", `${found.id} in ${model.label} is a ${declared.shape.length}-D ${declared.type} tensor, not a feature map or an output`);
    }
    return found.id;
  }

  /** `signal` cancels this caller's wait; the work stops at its next safe point once nobody waits for it. */
  async analyze(request: AnalyzeRequest, signal?: AbortSignal, { prefetch = false, first }: AnalyzeOptions = {}): Promise<Analysis> {
    const { key: modelKey, runner } = await this.opened(request.model, signal);
    const preprocessing: Preprocessing = { ...runner.model.defaults, ...request.preprocessing };
    checkPreprocessing(preprocessing);
    const imageKey = await inputKey(request.input);
    // Led by the model's cache key, so the model's eviction finds its analyses.
    const key = JSON.stringify([modelKey, imageKey, preprocessingKey(preprocessing)]);
    if (prefetch && !this.analyses.has(key)) {
      const { input } = request;
      const [height, width] = "image" in input ? [preprocessing.height, preprocessing.width] : [input.height, input.width];
      const bytes = heldBytes(await planLayers(runner, height, width), runner.model.inputChannels * height * width * 4);
      if (bytes > this.budget || !this.analyses.fits(bytes)) throw new FeatureMapsError("OUT_OF_BUDGET", `no room to prefetch ${"image" in input ? path.basename(input.image) : input.label} beside the analyses held`);
    }
    return this.analyses.get(key, (stop) => this.compute(key, imageKey, runner, request.input, preprocessing, stop, first), signal);
  }

  /**
   * The layers of a model at an input size, without a run wherever their shapes can be worked
   * out (always for architectures; for ONNX models from their ops or onnxruntime's inference).
   * Where they cannot, one run at that size gives them, unless the layers are over the memory
   * budget: then those shapes are scaled from a small probe run, and `estimated` names them.
   */
  async plan(source: ModelSource, height: number, width: number): Promise<{ readonly runner: ModelRunner; readonly layers: readonly LayerInfo[]; readonly estimated: readonly string[] }> {
    const runner = await this.open(source);
    const planned = await planLayers(runner, height, width);
    const estimated = planned.filter((l) => l.estimated).map((l) => l.info.id);
    if (estimated.length === 0) return { runner, layers: withParents(planned.map((l) => l.info), runner.model.candidates), estimated };
    const tensor = new Float32Array(runner.model.inputChannels * height * width);
    const analysis = await this.analyze({ input: { tensor, height, width, label: "a blank input" }, model: source, preprocessing: { height, width } });
    return { runner, layers: analysis.model.layers, estimated: analysis.model.keeps === "all" ? [] : estimated };
  }

  /**
   * A class map of the analysed input. The layer defaults to the last whose spatial size is over
   * 1; occlusion works on the input itself.
   */
  async explain(request: AnalyzeRequest, options: ExplainOptions, signal?: AbortSignal): Promise<{ readonly analysis: Analysis; readonly explanation: ExplainReply }> {
    const { analysis, explainer } = await this.explainerFor(request, signal);
    const layer = options.method === "occlusion" ? undefined : (options.layer ?? Explainer.defaultLayer(analysis.model.layers));
    const [, , height, width] = analysis.model.inputShape;
    const explanation = await this.oneAtATime(() => explainer.explain(analysis.input, height, width, { ...options, ...(layer === undefined ? {} : { layer }) }, signal));
    return { analysis, explanation };
  }

  /** The best `count` classes of the analysed input. */
  async predict(request: AnalyzeRequest, reduce: ScoreReduction, output: string | undefined, count: number, signal?: AbortSignal): Promise<ClassScore[]> {
    const { analysis, explainer } = await this.explainerFor(request, signal);
    const [, , height, width] = analysis.model.inputShape;
    return this.oneAtATime(() => explainer.predict(analysis.input, height, width, reduce, output, count));
  }

  private async explainerFor(request: AnalyzeRequest, signal?: AbortSignal): Promise<{ readonly analysis: Analysis; readonly explainer: Explainer }> {
    const analysis = await this.analyze(request, signal);
    const { runner } = await this.opened(request.model, signal);
    let explainer = this.explainers.get(runner);
    if (!explainer) {
      explainer = new Explainer(runner);
      this.explainers.set(runner, explainer);
    }
    return { analysis, explainer };
  }

  /**
   * Per-channel statistics of one layer over every image under a folder, and each channel's
   * best images (src/engine/scan/). Its batches queue with other runs, so views stay served.
   */
  async scan(request: ScanRequest, hooks: Omit<ScanHooks, "serialize"> = {}): Promise<ScanResult> {
    checkWhole("top", request.top, SCAN_LIMITS.top);
    checkWhole("maxImages", request.maxImages, SCAN_LIMITS.maxImages);
    const batch = request.batch ?? SCAN_LIMITS.defaultBatch;
    checkWhole("batch", batch, SCAN_LIMITS.batch);
    const runner = await this.open(request.model);
    const layer = await this.layerId(request.model, request.layer);
    const p: Preprocessing = { ...runner.model.defaults, ...request.preprocessing };
    checkPreprocessing(p);
    if (runner.model.inputChannels !== 3) throw new FeatureMapsError("INPUT_INVALID", `${runner.model.label} takes ${runner.model.inputChannels} input channels; images give 3`);
    const settings = { folder: request.folder, layer, top: request.top, maxImages: request.maxImages, batch, maxMegapixels: this.options.maxMegapixels ?? DEFAULTS.maxMegapixels };
    return scanFolder(runner, p, settings, { ...hooks, serialize: (work) => this.oneAtATime(work) });
  }

  /** What the engine has done, for the inference process's status. */
  get counts(): { readonly runs: number; readonly analyses: number } {
    return { runs: this.runs, analyses: this.analyses.size };
  }

  private async compute(key: string, imageKey: string, runner: ModelRunner, input: InputSource, p: Preprocessing, signal: AbortSignal, first?: FirstLayer): Promise<Analysis> {
    const { model } = runner;
    let tensor: Float32Array;
    let image: ImageView | undefined;
    let size = { height: p.height, width: p.width };
    if ("image" in input) {
      if (model.inputChannels !== 3) throw new FeatureMapsError("INPUT_INVALID", `${model.label} takes ${model.inputChannels} input channels; images give 3`);
      const file = input.image;
      const decoded = await this.images.get(imageKey, () => readImage(file, this.options.maxMegapixels ?? DEFAULTS.maxMegapixels), signal);
      const { planes } = modelInputBytes(decoded, p);
      tensor = planesToTensor(planes, p);
      image = {
        fileName: path.basename(input.image),
        original: picture(displayCopy(decoded)),
        modelInput: planesPicture(planes, p.width, p.height),
        originalWidth: decoded.width,
        originalHeight: decoded.height,
      };
    } else {
      if (input.tensor.length !== model.inputChannels * input.height * input.width) {
        throw new FeatureMapsError("INPUT_INVALID", `${input.label}: ${input.tensor.length} values do not make a [1, ${model.inputChannels}, ${input.height}, ${input.width}] input`);
      }
      tensor = input.tensor;
      size = { height: input.height, width: input.width };
    }
    const { height, width } = size;
    const planned = await planLayers(runner, height, width);
    const held = heldBytes(planned, tensor.byteLength);
    const inputShape = model.nhwc ? [1, height, width, model.inputChannels] : [1, model.inputChannels, height, width];
    const base = { label: model.label, dtype: model.dtype ?? "float32", inputShape, provider: runner.provider };
    if (held <= this.budget) {
      const shown = first && !planned.some((l) => l.estimated) ? firstLayer(planned, model.candidates, first) : undefined;
      const runAll = (): Promise<RunResult> => this.oneAtATime(() => runner.run(tensor, height, width));
      if (shown !== undefined && runner.isCut(shown)) {
        const cut = await this.oneAtATime(async () => {
          this.analyses.reserve(held);
          await safePoint(signal);
          return runner.run(tensor, height, width, shown);
        });
        const source = new ProgressiveActivations(shown, layerOf(cut, shown), runAll, held);
        this.afterwards(key, () => source.complete());
        const view: ModelView = { ...base, keeps: "all", outputShape: plannedOutputShape(planned, model.outputs[0]), layers: withParents(planned.map((l) => l.info), model.candidates) };
        return new Analysis(view, image, source, p, tensor);
      }
      const result = await this.oneAtATime(async () => {
        // Older analyses make room first, so the new one does not add to them.
        this.analyses.reserve(held);
        await safePoint(signal);
        return runner.run(tensor, height, width);
      });
      // The next image shown at this layer can start from its cut graph.
      if (shown !== undefined) this.afterwards(key, () => runner.cut(shown));
      const view: ModelView = { ...base, keeps: "all", outputShape: result.outputShape, layers: withParents(result.layers, model.candidates) };
      return new Analysis(view, image, new HeldActivations(result), p, tensor);
    }
    const run = async (layer: string): Promise<Activation> => layerOf(await this.oneAtATime(() => runner.run(tensor, height, width, layer)), layer);
    const view: ModelView = { ...base, keeps: "requested", outputShape: plannedOutputShape(planned, model.outputs[0]), layers: withParents(planned.map((l) => l.info), model.candidates) };
    const source = new ComputedActivations(run, `${model.label} at ${height}x${width}`, tensor, planned, this.budget, this.computed, key);
    return new Analysis(view, image, source, p, tensor);
  }

  /** Background work for an analysis, a moment after it is made, unless it has left the cache by then. */
  private afterwards(key: string, work: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      if (this.analyses.has(key)) work().catch(() => undefined);
    }, WHOLE_RUN_AFTER_MS);
    timer.unref?.();
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const result = this.running.then(work, work);
    this.running = result.then(
      () => this.runs++,
      () => undefined,
    );
    return result;
  }

  dispose(): void {
    this.analyses.clear();
    this.images.clear();
    this.models.clear();
  }
}
