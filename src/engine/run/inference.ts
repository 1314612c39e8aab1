import type * as Ort from "onnxruntime-node";
import type { LayerInfo, ProviderReport } from "../../shared/protocol";
import { layerKind } from "../model/layerKinds";
import type { PreparedModel } from "../model/models";
import type { Candidate } from "../model/onnxInspect";
import { pruneTo } from "../model/prune";
import { openSession, type SessionOptions } from "./session";
import type { Activation } from "../analysis/stats";
import { FeatureMapsError } from "../../shared/errors";
import { nchwShape, nchwToNhwc, nhwcToNchw } from "../model/onnxLayout";
import { checkFixedSize, sizeProblem } from "./inputSize";
import { loadOrt, type OrtModule } from "./ort";
import type { Tensor } from "../model/weights";

/** Cut-down sessions kept per model: the layer on screen and its neighbours' prefetch. */
const SLIM_SESSIONS = 3;

export interface RunResult {
  readonly layers: readonly LayerInfo[];
  readonly activations: ReadonlyMap<string, Activation>;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes: number;
}

/** A prepared model without its bytes: onnxruntime holds its own copy once the session exists. */
export type RunnerModel = Omit<PreparedModel, "bytes" | "parameters">;

/**
 * Whether a tensor shows as a layer: an architecture names every module, so all are; in a foreign
 * graph the layers are the 4-D float maps plus the model's own outputs, whatever their rank.
 */
export function showsAsLayer(model: RunnerModel, tensor: string, type: string, rank: number): boolean {
  return type === "float32" && (model.plan !== undefined || rank === 4 || model.outputs.includes(tensor));
}

/** `shape` as onnxruntime gives it; an NHWC map is listed as the NCHW one it is shown as. */
export function layerInfo(model: RunnerModel, c: Candidate, shape: readonly number[]): LayerInfo {
  const kind = model.outputs.includes(c.tensor) ? "output" : layerKind(c.op);
  return {
    id: c.id,
    name: c.name,
    op: c.op,
    kind,
    shape: c.nhwc ? nchwShape(shape) : [...shape],
    ...(c.tensor === c.id ? {} : { tensor: c.tensor }),
    ...(c.dtype === undefined ? {} : { dtype: c.dtype }),
    ...(c.nhwc && shape.length === 4 ? { layout: "nhwc" as const } : {}),
  };
}

/** What onnxruntime returns for a candidate. */
export const fetched = (c: Candidate): string => c.fetch ?? c.tensor;

/** One model's onnxruntime session: a run returns every layer at once, or the layers asked for. */
export class ModelRunner {
  /** Sessions of the model cut down to one layer, by tensor; the few used last. */
  private readonly slim = new Map<string, Promise<Ort.InferenceSession>>();

  private constructor(
    readonly model: RunnerModel,
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly provider: ProviderReport,
    /** The weights a built model takes as inputs, wrapped once: onnxruntime reads them in place. */
    private readonly feeds: Readonly<Record<string, Ort.Tensor>>,
    /** The same weights, for the cut-down sessions to hold as initializers on CUDA. */
    private readonly parameters: ReadonlyMap<string, Tensor> | undefined,
    private readonly options: SessionOptions,
  ) {}

  static async open(model: PreparedModel, options: SessionOptions): Promise<ModelRunner> {
    let opened;
    try {
      opened = await openSession(model.bytes, options, model.parameters);
    } catch (e) {
      const message = String((e as Error).message ?? e).split("\n")[0];
      throw e instanceof FeatureMapsError ? e : new FeatureMapsError("MODEL_INVALID", `${model.label}: onnxruntime cannot load the model (${message})`);
    }
    const { bytes: _dropped, parameters, ...rest } = model;
    const { ort } = await loadOrt(options.provider !== "cpu");
    const feeds = Object.fromEntries([...(parameters ?? [])].map(([key, t]) => [key, new ort.Tensor("float32", t.data, t.shape)]));
    return new ModelRunner(rest, ort, opened.session, opened.provider, feeds, parameters, options);
  }

  /**
   * Each candidate's element type and shape as onnxruntime infers them when the session opens:
   * numbers where the model fixes a dimension, null where it follows the input size.
   */
  declared(): ReadonlyMap<string, { readonly type: string; readonly shape: readonly (number | null)[] }> {
    const byTensor = new Map<string, { readonly type: string; readonly shape: readonly (number | null)[] }>();
    for (const m of this.session.outputMetadata) {
      if (m.isTensor) byTensor.set(m.name, { type: m.type, shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : null)) });
    }
    const out = new Map<string, { readonly type: string; readonly shape: readonly (number | null)[] }>();
    for (const c of this.model.candidates) {
      const d = byTensor.get(fetched(c));
      if (d) out.set(c.id, d);
    }
    return out;
  }

  /** `only`: the one layer to compute, from the graph cut down to it; every layer when absent. */
  async run(input: Float32Array, height: number, width: number, only?: string): Promise<RunResult> {
    const { model } = this;
    const inputShape = [1, model.inputChannels, height, width];
    checkFixedSize(model, height, width);
    // An architecture says which module a too-small input breaks; onnxruntime would only say "Conv".
    model.plan?.(height, width);
    const wanted = only === undefined ? undefined : model.candidates.find((c) => c.id === only);
    if (only !== undefined && wanted === undefined) throw new FeatureMapsError("LAYER_UNKNOWN", `no layer "${only}" in ${model.label}`);
    // Images become NCHW tensors; an NHWC model gets them transposed.
    const fed = model.nhwc ? new this.ort.Tensor("float32", nchwToNhwc(input, inputShape), [1, height, width, model.inputChannels]) : new this.ort.Tensor("float32", input, inputShape);
    let outputs: Ort.InferenceSession.OnnxValueMapType;
    try {
      const session = wanted === undefined ? this.session : await this.slimSession(fetched(wanted));
      // A CUDA session holds the weights as initializers and asks only for the image.
      const all: Record<string, Ort.Tensor> = { ...this.feeds, [model.inputName]: fed };
      const feeds = Object.fromEntries(session.inputNames.map((name) => [name, all[name]]));
      outputs = await session.run(feeds);
    } catch (e) {
      throw sizeProblem(model, height, width) ?? new FeatureMapsError("MODEL_INVALID", `${model.label}: the run failed (${String((e as Error).message ?? e).split("\n")[0]})`);
    }
    const layers: LayerInfo[] = [];
    const activations = new Map<string, Activation>();
    let bytes = 0;
    // A container and the module that ends it share one tensor: it is held, and counted, once.
    const counted = new Set<Float32Array>();
    for (const c of model.candidates) {
      const t = outputs[fetched(c)];
      if (!t || !showsAsLayer(model, c.tensor, t.type, t.dims.length)) continue;
      const shown = c.nhwc && t.dims.length === 4 ? nhwcToNchw(t.data as Float32Array, t.dims) : { data: t.data as Float32Array, shape: [...t.dims] };
      const data = shown.data;
      activations.set(c.id, { shape: shown.shape, data });
      layers.push(layerInfo(model, c, t.dims));
      if (!counted.has(data)) bytes += data.byteLength;
      counted.add(data);
    }
    if (only === undefined && !layers.some((l) => l.shape.length === 4)) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: has no 4-D float tensors, so there are no feature maps to show (is it a CNN?)`);
    }
    const final = outputs[model.outputs[0]];
    return { layers, activations, inputShape: model.nhwc ? [1, height, width, model.inputChannels] : inputShape, outputShape: final ? [...final.dims] : [], bytes };
  }

  /** The model's layer whose graph, cut down to it, is shorter than the whole. */
  private cuttable(layer: string): Candidate | undefined {
    const c = this.model.candidates.find((x) => x.id === layer);
    return c && !this.model.outputs.includes(c.tensor) ? c : undefined;
  }

  /** Whether a run of `layer` alone can start from its cut graph, already open. */
  isCut(layer: string): boolean {
    const c = this.cuttable(layer);
    return c !== undefined && this.slim.has(fetched(c));
  }

  /** Opens the graph cut down to `layer`, for the runs of it alone to come. */
  async cut(layer: string): Promise<void> {
    const c = this.cuttable(layer);
    if (c) await this.slimSession(fetched(c));
  }

  private slimSession(tensor: string): Promise<Ort.InferenceSession> {
    let session = this.slim.get(tensor);
    if (session) {
      this.slim.delete(tensor);
    } else {
      session = this.model.reload().then(async (bytes) => (await openSession(pruneTo(bytes, tensor, [this.model.inputName]), this.options, this.parameters)).session);
      // A failed open is not kept: the next request tries again.
      session.catch(() => this.slim.delete(tensor));
    }
    this.slim.set(tensor, session);
    for (const [key, old] of this.slim) {
      if (this.slim.size <= SLIM_SESSIONS) break;
      this.slim.delete(key);
      void old.then((s) => s.release(), () => undefined);
    }
    return session;
  }

  /**
   * A session on a graph made from this model's bytes (explanations add outputs or build a
   * backward graph), run many times: a built model's weights are held as initializers.
   */
  async derived(make: (bytes: Uint8Array) => Uint8Array): Promise<DerivedSession> {
    const { session } = await openSession(make(await this.model.reload()), { ...this.options, reused: true }, this.parameters);
    return new DerivedSession(this.ort, session, this.feeds);
  }

  async release(): Promise<void> {
    for (const s of this.slim.values()) void s.then((x) => x.release(), () => undefined);
    this.slim.clear();
    await this.session.release();
  }
}

export class DerivedSession {
  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly weights: Readonly<Record<string, Ort.Tensor>>,
  ) {}

  /** A float32 tensor of the onnxruntime this session runs in (the process loads one, see ./ort.ts). */
  tensor(data: Float32Array, dims: readonly number[]): Ort.Tensor {
    return new this.ort.Tensor("float32", data, dims);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  async run(feeds: Readonly<Record<string, Ort.Tensor>>): Promise<Ort.InferenceSession.OnnxValueMapType> {
    const all = { ...this.weights, ...feeds };
    return this.session.run(Object.fromEntries(this.session.inputNames.map((name) => [name, all[name]])));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
