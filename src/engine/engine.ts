import { promises as fs } from "fs";
import * as path from "path";
import type { ChannelReply, ImageView, LayerReply, LayerRequest, ModelView, Picture, ProviderChoice } from "../shared/protocol";
import { type Range, valueRange } from "../shared/normalize";
import { percentileRange } from "../shared/percentiles";
import { BoundedCache } from "./run/boundedCache";
import { DEFAULT_MAX_MEGAPIXELS, readImage, type RgbaImage } from "./image/decode";
import { ModelRunner, type RunResult } from "./run/inference";
import { resizeBilinear } from "./image/resize";
import { LayerRanges, RequestError, packChannel, packLayer } from "./analysis/layerTiles";
import { type ModelSource, prepareModel } from "./model/models";
import { checkPreprocessing, modelInputBytes, planesToTensor, type Preprocessing, preprocessingKey } from "./image/preprocess";
import { type Activation, type ActivationSummary, firstBatch, summarize } from "./analysis/stats";
import { DrawnWeights } from "./model/weights";

export interface EngineOptions {
  readonly provider: ProviderChoice;
  readonly maxMegapixels?: number;
  /** Bound on the activations kept for quick layer switches. */
  readonly cacheMegabytes?: number;
  /** Sessions kept open; each holds its model's weights. */
  readonly maxSessions?: number;
  readonly threads?: number;
}

export type InputSource = { readonly image: string } | { readonly tensor: Float32Array; readonly height: number; readonly width: number; readonly label: string };

export interface AnalyzeRequest {
  readonly input: InputSource;
  readonly model: ModelSource;
  /** Overrides of the model's own preprocessing defaults. */
  readonly preprocessing?: Partial<Preprocessing>;
}

/** One image through one model: every layer, with statistics made on first use. */
export class Analysis {
  private readonly descriptions = new Map<string, { readonly summary: ActivationSummary; readonly ranges: LayerRanges }>();
  /** By clip percent: the range of every layer's values. */
  private readonly globals = new Map<number, Range>();

  constructor(
    readonly model: ModelView,
    readonly image: ImageView | undefined,
    readonly result: RunResult,
    readonly preprocessing: Preprocessing,
    /** The exact float tensor fed to the model. */
    readonly input: Float32Array,
  ) {}

  activation(layer: string): Activation {
    const a = this.result.activations.get(layer);
    if (!a) {
      const ids = this.result.layers.map((l) => l.id);
      const shown = ids.length > 60 ? `${ids.slice(0, 60).join(", ")}, ...` : ids.join(", ");
      throw new RequestError(`no layer "${layer}" in ${this.model.label}; layers are: ${shown}`);
    }
    return a;
  }

  summary(layer: string): ActivationSummary {
    return this.described(layer).summary;
  }

  private described(layer: string): { readonly summary: ActivationSummary; readonly ranges: LayerRanges } {
    let d = this.descriptions.get(layer);
    if (!d) {
      const activation = this.activation(layer);
      const summary = summarize(activation);
      d = { summary, ranges: new LayerRanges(activation, summary) };
      this.descriptions.set(layer, d);
    }
    return d;
  }

  layer(request: LayerRequest): LayerReply {
    const { summary, ranges } = this.described(request.layer);
    return packLayer(this.activation(request.layer), summary, ranges, request, (clip) => this.globalRange(clip));
  }

  channel(layer: string, channel: number): ChannelReply {
    return packChannel(layer, this.activation(layer), this.summary(layer), channel);
  }

  private globalRange(clip: number): Range {
    let range = this.globals.get(clip);
    if (!range) {
      const values = this.result.layers.map((l) => firstBatch(this.activation(l.id)));
      if (clip > 0) {
        range = percentileRange(values, clip);
      } else {
        const ranges = values.map((v) => valueRange(v, 0));
        range = { low: Math.min(...ranges.map((r) => r.low)), high: Math.max(...ranges.map((r) => r.high)) };
      }
      this.globals.set(clip, range);
    }
    return range;
  }
}

/** The original is shown as a thumbnail 72 px high: 256 px stays sharp on high-DPI screens and keeps `loaded` small. */
const DISPLAY_MAX_SIDE = 256;
const IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

function picture(image: RgbaImage): Picture {
  return { width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength) };
}

/** The model's 3 input planes shown as an RGB picture, so a BGR model's view looks blue-shifted, as it is. */
function planesPicture(planes: Uint8Array, width: number, height: number): Picture {
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = planes[i];
    rgba[i * 4 + 1] = planes[n + i];
    rgba[i * 4 + 2] = planes[2 * n + i];
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

function displayCopy(image: RgbaImage): RgbaImage {
  const scale = Math.min(1, DISPLAY_MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  let current = image;
  // Exact halvings average 2x2 blocks; one big bilinear step would alias a large photo.
  while (current.width >= 2 * width && current.height >= 2 * height) {
    current = resizeBilinear(current, Math.ceil(current.width / 2), Math.ceil(current.height / 2));
  }
  return current.width === width && current.height === height ? current : resizeBilinear(current, width, height);
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
  /** Decoded images: a model edited in a config runs on the same picture again, and jimp is slow. */
  private readonly images = new BoundedCache<RgbaImage>(IMAGE_CACHE_BYTES, (image) => image.rgba.byteLength);
  /** Initial weights of the last build: a config edit redraws only the modules it changed. */
  private readonly drawn = new DrawnWeights();

  constructor(private readonly options: EngineOptions) {
    this.models = new BoundedCache<ModelRunner>(options.maxSessions ?? 2, () => 1, (runner, key) => {
      // Its analyses go with it: reaching one would open the model again anyway, and a config
      // being edited makes a new model and analysis per edit. Memory freed is memory the next
      // run reuses; memory touched for the first time costs ~3 ms per MB on a small VM.
      this.analyses.dropWhere((k) => (JSON.parse(k) as unknown[])[0] === key);
      void runner.release();
    });
    this.analyses = new BoundedCache<Analysis>((options.cacheMegabytes ?? 512) * 1024 * 1024, (a) => a.result.bytes);
  }

  private async modelKey(source: ModelSource): Promise<string> {
    const files = source.kind === "onnx" ? [source.path] : "safetensors" in source.weights ? [source.weights.safetensors] : [];
    const stamps = await Promise.all(files.map((f) => fs.stat(f).then((s) => `${s.mtimeMs}:${s.size}`, () => "missing")));
    return JSON.stringify([source, stamps]);
  }

  async open(source: ModelSource): Promise<ModelRunner> {
    return (await this.opened(source)).runner;
  }

  private async opened(source: ModelSource): Promise<{ readonly key: string; readonly runner: ModelRunner }> {
    const key = await this.modelKey(source);
    const runner = await this.models.get(key, async () => ModelRunner.open(await prepareModel(source, this.drawn), { provider: this.options.provider, threads: this.options.threads }));
    return { key, runner };
  }

  async analyze(request: AnalyzeRequest): Promise<Analysis> {
    const { key: modelKey, runner } = await this.opened(request.model);
    const preprocessing: Preprocessing = { ...runner.model.defaults, ...request.preprocessing };
    checkPreprocessing(preprocessing);
    const imageKey = await inputKey(request.input);
    // Led by the model's cache key, so the model's eviction finds its analyses.
    const key = JSON.stringify([modelKey, imageKey, preprocessingKey(preprocessing)]);
    return this.analyses.get(key, () => this.compute(imageKey, runner, request.input, preprocessing));
  }

  private async compute(imageKey: string, runner: ModelRunner, input: InputSource, p: Preprocessing): Promise<Analysis> {
    const { model } = runner;
    let tensor: Float32Array;
    let image: ImageView | undefined;
    let size = { height: p.height, width: p.width };
    if ("image" in input) {
      if (model.inputChannels !== 3) throw new RequestError(`${model.label} takes ${model.inputChannels} input channels; images give 3`);
      const file = input.image;
      const decoded = await this.images.get(imageKey, () => readImage(file, this.options.maxMegapixels ?? DEFAULT_MAX_MEGAPIXELS));
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
        throw new RequestError(`${input.label}: ${input.tensor.length} values do not make a [1, ${model.inputChannels}, ${input.height}, ${input.width}] input`);
      }
      tensor = input.tensor;
      size = { height: input.height, width: input.width };
    }
    const result = await runner.run(tensor, size.height, size.width);
    const view: ModelView = {
      label: model.label,
      inputShape: result.inputShape,
      outputShape: result.outputShape,
      layers: result.layers,
      provider: runner.provider,
    };
    return new Analysis(view, image, result, p, tensor);
  }

  dispose(): void {
    this.analyses.clear();
    this.images.clear();
    this.models.clear();
  }
}
