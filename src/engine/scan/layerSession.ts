import type * as Ort from "onnxruntime-node";
import { FeatureMapsError } from "../../shared/errors";
import { nchwToNhwc } from "../model/onnxLayout";
import { batchedGraph } from "../run/batchAxis";
import { type DerivedSession, fetched, type ModelRunner } from "../run/inference";
import { checkFixedSize } from "../run/inputSize";

/** A batch of one layer's outputs: `count` images, each `channels` × `spatial` values. */
export interface LayerBatch {
  readonly data: Float32Array;
  readonly channels: number;
  readonly spatial: number;
  /** NHWC maps keep their layout: statistics read them in place. */
  readonly channelsLast: boolean;
  /** One image's shape as the layer list shows it: [C, H, W], or [C] for a vector. */
  readonly shape: readonly number[];
}

/**
 * The model cut down to one layer, run on stacks of images: up to `batch` per run where the
 * model's batch axis is free, else one at a time.
 */
export class LayerSession {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly session: DerivedSession,
    private readonly output: string,
    private readonly channelsLast: boolean,
    readonly batch: number,
    private readonly height: number,
    private readonly width: number,
  ) {}

  static async open(runner: ModelRunner, layer: string, height: number, width: number, batch: number): Promise<LayerSession> {
    const { model } = runner;
    checkFixedSize(model, height, width);
    model.plan?.(height, width);
    const candidate = model.candidates.find((c) => c.id === layer);
    if (!candidate) throw new FeatureMapsError("LAYER_UNKNOWN", `no layer "${layer}" in ${model.label}`);
    const output = fetched(candidate);
    let free = false;
    const session = await runner.derived((bytes) => {
      const graph = batchedGraph(bytes, model, output);
      free = graph.batch;
      return graph.bytes;
    });
    return new LayerSession(runner, session, output, candidate.nhwc === true, free ? Math.max(1, batch) : 1, height, width);
  }

  /** The input tensor of `count` images stacked in `stack` (each [C, H, W], as preprocessing makes them). */
  private input(stack: Float32Array, count: number): Ort.Tensor {
    const { model } = this.runner;
    const c = model.inputChannels;
    if (!model.nhwc) return this.session.tensor(stack, [count, c, this.height, this.width]);
    const one = c * this.height * this.width;
    const out = new Float32Array(stack.length);
    for (let i = 0; i < count; i++) out.set(nchwToNhwc(stack.subarray(i * one, (i + 1) * one), [1, c, this.height, this.width]), i * one);
    return this.session.tensor(out, [count, this.height, this.width, c]);
  }

  async run(stack: Float32Array, count: number): Promise<LayerBatch> {
    const { model } = this.runner;
    let outputs: Ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.session.run({ [model.inputName]: this.input(stack, count) });
    } catch (e) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: the run failed (${String((e as Error).message ?? e).split("\n")[0]})`);
    }
    const t = outputs[this.output] as Ort.Tensor | undefined;
    if (!t || t.type !== "float32" || t.dims.length < 2 || t.dims[0] !== count) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: ${count} images gave ${t ? `a ${t.type} [${t.dims.join(", ")}] tensor` : "no tensor"}, not one map per image`);
    }
    const dims = [...t.dims];
    const nhwc = this.channelsLast && dims.length === 4;
    const channels = nhwc ? dims[3] : dims[1];
    const spatial = dims.slice(1).reduce((a, b) => a * b, 1) / channels;
    const shape = nhwc ? [dims[3], dims[1], dims[2]] : dims.slice(1);
    return { data: t.data as Float32Array, channels, spatial, channelsLast: nhwc, shape };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
