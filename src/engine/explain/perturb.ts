import { resizeMap } from "../../shared/camImage";
import { checkpoint } from "../../shared/errors";
import type { Maps } from "./cams";

// The gradient-free methods: each runs the model on many altered copies of the input and reads
// the class score of each. `scores` runs a stack of inputs and returns one score per input.

export type BatchScores = (stack: Float32Array, count: number) => Promise<Float64Array>;

export interface InputImage {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

export interface PerturbOptions {
  /** Inputs per model run. */
  readonly batch: number;
  readonly signal?: AbortSignal;
  readonly progress?: (done: number, total: number) => void;
}

/** Runs `total` inputs, `make(i, into)` writing input i, in stacks of `batch`. */
async function scoreAll(input: InputImage, total: number, make: (i: number, into: Float32Array) => void, scores: BatchScores, o: PerturbOptions): Promise<Float64Array> {
  const size = input.channels * input.height * input.width;
  const out = new Float64Array(total);
  for (let start = 0; start < total; start += o.batch) {
    checkpoint(o.signal);
    const count = Math.min(o.batch, total - start);
    const stack = new Float32Array(count * size);
    for (let j = 0; j < count; j++) make(start + j, stack.subarray(j * size, (j + 1) * size));
    out.set(await scores(stack, count), start);
    o.progress?.(start + count, total);
  }
  return out;
}

/**
 * Score-CAM (pytorch-grad-cam's ScoreCAM): each channel upsampled to the input (bilinear, corners
 * aligned), min-max scaled, multiplied into the input; the channels' scores, softmaxed, weight the
 * activations. A constant channel, which the formula would divide by zero, masks everything (its
 * mask is 0). `topChannels` keeps only that many channels, by mean activation.
 */
export async function scoreCam(input: InputImage, a: Maps, scores: BatchScores, o: PerturbOptions & { readonly topChannels?: number }): Promise<Float32Array> {
  const area = a.height * a.width;
  const means = Array.from({ length: a.channels }, (_, k) => a.data.subarray(k * area, (k + 1) * area).reduce((s, v) => s + v, 0) / area);
  const order = means.map((_, k) => k).sort((x, y) => means[y] - means[x]);
  const kept = o.topChannels !== undefined && o.topChannels < a.channels ? order.slice(0, o.topChannels) : order.map((_, k) => k);
  const pixels = input.height * input.width;
  const channelScores = await scoreAll(
    input,
    kept.length,
    (i, into) => {
      const k = kept[i];
      const mask = resizeMap(a.data.subarray(k * area, (k + 1) * area), a.height, a.width, input.height, input.width, true);
      let min = Infinity;
      let max = -Infinity;
      for (const v of mask) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const range = max - min;
      for (let p = 0; p < pixels; p++) {
        const m = range > 0 ? (mask[p] - min) / range : 0;
        for (let c = 0; c < input.channels; c++) into[c * pixels + p] = input.data[c * pixels + p] * m;
      }
    },
    scores,
    o,
  );
  const peak = Math.max(...channelScores);
  const exps = Array.from(channelScores, (s) => Math.exp(s - peak));
  const total = exps.reduce((s, v) => s + v, 0);
  const map = new Float64Array(area);
  kept.forEach((k, i) => {
    const wk = exps[i] / total;
    for (let p = 0; p < area; p++) map[p] += wk * a.data[k * area + p];
  });
  return Float32Array.from(map, (v) => Math.max(0, v));
}

export interface OcclusionOptions extends PerturbOptions {
  readonly window: number;
  readonly stride: number;
  readonly baseline: number;
}

/**
 * Occlusion (Captum's Occlusion): a window over all channels, slid by `stride`, set to
 * `baseline`; each pixel gets the score drop of the windows covering it, averaged over them.
 * Pixels no window reaches (past the last full stride) stay 0. The map is at the input's size.
 */
export async function occlusion(input: InputImage, base: number, scores: BatchScores, o: OcclusionOptions): Promise<Float32Array> {
  const { height: h, width: w, channels } = input;
  if (o.window > h || o.window > w) throw new RangeError(`the occlusion window (${o.window}) is larger than the input (${h}x${w})`);
  const rows = Math.floor((h - o.window) / o.stride) + 1;
  const cols = Math.floor((w - o.window) / o.stride) + 1;
  const pixels = h * w;
  const drops = await scoreAll(
    input,
    rows * cols,
    (i, into) => {
      into.set(input.data);
      const top = Math.floor(i / cols) * o.stride;
      const left = (i % cols) * o.stride;
      for (let c = 0; c < channels; c++) {
        for (let y = top; y < top + o.window; y++) into.fill(o.baseline, c * pixels + y * w + left, c * pixels + y * w + left + o.window);
      }
    },
    scores,
    o,
  );
  const sum = new Float64Array(pixels);
  const count = new Uint32Array(pixels);
  for (let i = 0; i < rows * cols; i++) {
    const top = Math.floor(i / cols) * o.stride;
    const left = (i % cols) * o.stride;
    const drop = base - drops[i];
    for (let y = top; y < top + o.window; y++) {
      for (let x = left; x < left + o.window; x++) {
        sum[y * w + x] += drop;
        count[y * w + x] += 1;
      }
    }
  }
  return Float32Array.from(sum, (v, p) => (count[p] > 0 ? v / count[p] : 0));
}
