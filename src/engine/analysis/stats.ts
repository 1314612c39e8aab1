import { geometry } from "../../shared/geometry";
import type { ChannelStats, LayerStats } from "../../shared/protocol";

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
  // Indexed loops: a typed array's iterator is several times slower, and a layer has many values.
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  const n = values.length;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) * (values[i] - mean);
  return { min, max, mean, std: Math.sqrt(sq / n), zeros: zeros / n };
}

export interface ActivationSummary {
  readonly layer: LayerStats;
  readonly channels: readonly ChannelStats[];
}

/** Batch 0 only, matching the tiles the user sees. */
export function firstBatch(a: Activation): Float32Array {
  const g = geometry(a.shape);
  return a.data.subarray(0, g.channels * g.height * g.width);
}

/**
 * The statistics of equally long parts put together without another pass over the values: each
 * part's squared deviations, moved to the pooled mean, add up.
 */
function pooled(parts: readonly ChannelStats[]): ChannelStats {
  const k = parts.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const p of parts) {
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
    sum += p.mean;
    zeros += p.zeros;
  }
  const mean = sum / k;
  let variance = 0;
  for (const p of parts) variance += p.std * p.std + (p.mean - mean) * (p.mean - mean);
  return { min, max, mean, std: Math.sqrt(variance / k), zeros: zeros / k };
}

export function summarize(a: Activation): ActivationSummary {
  const g = geometry(a.shape);
  const channels = Array.from({ length: g.channels }, (_, c) => statsOf(channelValues(a, c)));
  return { layer: { ...pooled(channels), channels: g.channels, deadChannels: channels.filter((s) => s.max <= 0).length }, channels };
}

/** Channel indices by descending mean or max (top-k first); ties keep index order. */
export function rankChannels(channels: readonly ChannelStats[], by: "mean" | "max"): number[] {
  return channels.map((_, i) => i).sort((a, b) => channels[b][by] - channels[a][by] || a - b);
}
