import * as ort from "onnxruntime-node";
import type { LayerInfo, ProviderReport } from "../../shared/protocol";
import { layerKind } from "../model/layerKinds";
import type { PreparedModel } from "../model/models";
import { openSession, type SessionOptions } from "./session";
import type { Activation } from "../analysis/stats";
import { FeatureMapsError } from "../../shared/errors";

export interface RunResult {
  readonly layers: readonly LayerInfo[];
  readonly activations: ReadonlyMap<string, Activation>;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes: number;
}

/** A prepared model without its bytes: onnxruntime holds its own copy once the session exists. */
export type RunnerModel = Omit<PreparedModel, "bytes" | "parameters">;

/** One model's onnxruntime session: a run returns every layer at once. */
export class ModelRunner {
  private constructor(
    readonly model: RunnerModel,
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderReport,
    /** The weights a built model takes as inputs, wrapped once: onnxruntime reads them in place. */
    private readonly feeds: Readonly<Record<string, ort.Tensor>>,
  ) {}

  static async open(model: PreparedModel, options: SessionOptions): Promise<ModelRunner> {
    let opened;
    try {
      opened = await openSession(model.bytes, options);
    } catch (e) {
      const message = String((e as Error).message ?? e).split("\n")[0];
      throw e instanceof FeatureMapsError ? e : new FeatureMapsError("MODEL_INVALID", `${model.label}: onnxruntime cannot load the model (${message})`);
    }
    const { bytes: _dropped, parameters, ...rest } = model;
    const feeds = Object.fromEntries([...(parameters ?? [])].map(([key, t]) => [key, new ort.Tensor("float32", t.data, t.shape)]));
    return new ModelRunner(rest, opened.session, opened.provider, feeds);
  }

  async run(input: Float32Array, height: number, width: number): Promise<RunResult> {
    const { model } = this;
    const inputShape = [1, model.inputChannels, height, width];
    if (model.fixedSize && (model.fixedSize.height !== height || model.fixedSize.width !== width)) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label} only takes ${model.fixedSize.height}x${model.fixedSize.width} inputs, not ${height}x${width}`);
    }
    // An architecture says which module a too-small input breaks; onnxruntime would only say "Conv".
    model.plan?.(height, width);
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.session.run({ ...this.feeds, [model.inputName]: new ort.Tensor("float32", input, inputShape) });
    } catch (e) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: the run failed (${String((e as Error).message ?? e).split("\n")[0]})`);
    }
    const finals = new Set(model.outputs);
    const layers: LayerInfo[] = [];
    const activations = new Map<string, Activation>();
    let bytes = 0;
    // An architecture names every module, so all are layers; in a foreign graph the layers are the
    // 4-D float maps plus the model's own outputs, whatever their rank.
    const everyModule = model.plan !== undefined;
    for (const c of model.candidates) {
      const t = outputs[c.tensor];
      if (!t || t.type !== "float32" || !(everyModule || t.dims.length === 4 || finals.has(c.tensor))) continue;
      const data = t.data as Float32Array;
      activations.set(c.id, { shape: [...t.dims], data });
      const kind = finals.has(c.tensor) ? "output" : layerKind(c.op);
      layers.push({ id: c.id, name: c.name, op: c.op, kind, shape: [...t.dims], ...(c.tensor === c.id ? {} : { tensor: c.tensor }) });
      bytes += data.byteLength;
    }
    if (!layers.some((l) => l.shape.length === 4)) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: has no 4-D float tensors, so there are no feature maps to show (is it a CNN?)`);
    }
    const final = outputs[model.outputs[0]];
    return { layers, activations, inputShape, outputShape: final ? [...final.dims] : [], bytes };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
