import type * as Ort from "onnxruntime-node";
import { FeatureMapsError } from "../../shared/errors";
import { nchwToNhwc } from "../model/onnxLayout";
import { batchedGraph } from "../run/batchAxis";
import { type DerivedSession, fetched, type ModelRunner } from "../run/inference";
import { checkFixedSize } from "../run/inputSize";
import { mapStatistics, type MapStatistics } from "./mapStatistics";
import { type ReducedOutputs, withChannelReductions } from "./reducedGraph";

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

/** A batch reduced to statistics, with one image's shape as the layer list shows it. */
export interface BatchStatistics extends MapStatistics {
  readonly shape: readonly number[];
}

/**
 * The model cut down to one layer, run on stacks of images: up to `batch` per run where the
 * model's batch axis is free, else one at a time. Opened `reduced`, the graph itself reduces the
 * layer to per-channel statistics (see reducedGraph.ts).
 */
export class LayerSession {
  /** The same layer unreduced, opened when an image's statistics need the maps themselves. */
  private maps?: Promise<LayerSession>;

  private constructor(
    private readonly runner: ModelRunner,
    private readonly session: DerivedSession,
    private readonly layer: string,
    private readonly output: string,
    private readonly channelsLast: boolean,
    readonly batch: number,
    private readonly height: number,
    private readonly width: number,
    private readonly reduced: ReducedOutputs | undefined,
  ) {}

  static async open(runner: ModelRunner, layer: string, height: number, width: number, batch: number, reduce = false): Promise<LayerSession> {
    const { model } = runner;
    checkFixedSize(model, height, width);
    model.plan?.(height, width);
    const candidate = model.candidates.find((c) => c.id === layer);
    if (!candidate) throw new FeatureMapsError("LAYER_UNKNOWN", `no layer "${layer}" in ${model.label}`);
    const output = fetched(candidate);
    const channelsLast = candidate.nhwc === true;
    // A vector has nothing to reduce; a layer of unknown rank is read as maps.
    const rank = runner.declared().get(layer)?.shape.length ?? 0;
    let free = false;
    let reduced: ReducedOutputs | undefined;
    const session = await runner.derived((bytes) => {
      const graph = batchedGraph(bytes, model, output);
      free = graph.batch;
      if (!reduce || rank < 3) return graph.bytes;
      const made = withChannelReductions(graph.bytes, output, rank, channelsLast && rank === 4);
      reduced = made.outputs;
      return made.bytes;
    });
    return new LayerSession(runner, session, layer, output, channelsLast, free ? Math.max(1, batch) : 1, height, width, reduced);
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

  private async outputs(stack: Float32Array, count: number): Promise<Ort.InferenceSession.OnnxValueMapType> {
    const { model } = this.runner;
    try {
      return await this.session.run({ [model.inputName]: this.input(stack, count) });
    } catch (e) {
      throw new FeatureMapsError("MODEL_INVALID", `${model.label}: the run failed (${String((e as Error).message ?? e).split("\n")[0]})`);
    }
  }

  /** The layer's maps of `count` images (a session opened without `reduce`). */
  async run(stack: Float32Array, count: number): Promise<LayerBatch> {
    const { model } = this.runner;
    const outputs = await this.outputs(stack, count);
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

  /** Each image's mean and max per channel, over its finite values. */
  async statistics(stack: Float32Array, count: number): Promise<BatchStatistics> {
    if (!this.reduced) {
      const maps = await this.run(stack, count);
      return { ...mapStatistics(maps.data, count, maps.channels, maps.spatial, maps.channelsLast), shape: maps.shape };
    }
    const outputs = await this.outputs(stack, count);
    const mean = outputs[this.reduced.mean] as Ort.Tensor;
    const max = outputs[this.reduced.max] as Ort.Tensor;
    const dims = Array.from(outputs[this.reduced.shape].data as BigInt64Array, Number);
    const channels = this.channelsLast && dims.length === 4 ? dims[3] : dims[1];
    const shape = this.channelsLast && dims.length === 4 ? [dims[3], dims[1], dims[2]] : dims.slice(1);
    const stats = { means: Float64Array.from(mean.data as Float32Array), maxima: Float64Array.from(max.data as Float32Array), channels, shape };
    // The graph's mean is not finite only when a map holds NaN or ±Inf (or its sum overflows):
    // statistics leave those values out, which takes the map itself.
    const one = stack.length / count;
    for (let i = 0; i < count; i++) {
      const row = stats.means.subarray(i * channels, (i + 1) * channels);
      if (row.every(Number.isFinite)) continue;
      this.maps ??= LayerSession.open(this.runner, this.layer, this.height, this.width, 1);
      const exact = await (await this.maps).statistics(stack.slice(i * one, (i + 1) * one), 1);
      row.set(exact.means);
      stats.maxima.set(exact.maxima, i * channels);
    }
    return stats;
  }

  async release(): Promise<void> {
    const maps = this.maps;
    this.maps = undefined;
    if (maps) await (await maps).release();
    await this.session.release();
  }
}
