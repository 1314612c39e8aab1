import { geometry } from "../shared/geometry";
import type { ChannelStats, LayerStats } from "../shared/protocol";

export { geometry };

export interface Activation {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function channelValues(a: Activation, channel: number): Float32Array {
  const g = geometry(a.shape);
  const size = g.height * g.width;
  return a.data.subarray(channel * size, (channel + 1) * size);
}

export function statsOf(values: Float32Array): ChannelStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  const n = values.length;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { min, max, mean, std: Math.sqrt(sq / n), zeros: zeros / n };
}

export interface ActivationSummary {
  readonly layer: LayerStats;
  readonly channels: readonly ChannelStats[];
}

export function summarize(a: Activation): ActivationSummary {
  const g = geometry(a.shape);
  const channels = Array.from({ length: g.channels }, (_, c) => statsOf(channelValues(a, c)));
  // Batch 0 only, matching the tiles the user sees.
  const all = statsOf(a.data.subarray(0, g.channels * g.height * g.width));
  return { layer: { ...all, channels: g.channels, deadChannels: channels.filter((s) => s.max <= 0).length }, channels };
}

/** Channel indices by descending mean or max (top-k first); ties keep index order. */
export function rankChannels(channels: readonly ChannelStats[], by: "mean" | "max"): number[] {
  return channels.map((_, i) => i).sort((a, b) => channels[b][by] - channels[a][by] || a - b);
}
