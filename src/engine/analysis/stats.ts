import { geometry } from "../../shared/geometry";
import { NO_NON_FINITE, NON_FINITE_KINDS, type NonFiniteCounts, nonFiniteKind } from "../../shared/nonFinite";
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

const NOTHING_FINITE = { min: 0, max: 0, mean: 0, std: 0, zeros: 0, finite: 0 } as const;

/** The statistics of the values, or undefined when a NaN or an infinity is among them. */
function statsOfFinite(values: Float32Array): ChannelStats | undefined {
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
  // Any NaN or infinity leaves the sum NaN or infinite (float32 values cannot overflow a float64
  // sum), so ordinary values pay for no test per value.
  if (!Number.isFinite(sum)) return undefined;
  const n = values.length;
  if (n === 0) return { ...NOTHING_FINITE, nonFinite: NO_NON_FINITE };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) * (values[i] - mean);
  return { min, max, mean, std: Math.sqrt(sq / n), zeros: zeros / n, finite: n, nonFinite: NO_NON_FINITE };
}

/** The finite values in their order, and how many of the others there are of each kind. */
function splitNonFinite(values: Float32Array): { readonly finite: Float32Array; readonly counts: NonFiniteCounts } {
  const counts = { nan: 0, posInf: 0, negInf: 0 };
  const finite = new Float32Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const kind = nonFiniteKind(values[i]);
    if (kind) counts[kind]++;
    else finite[n++] = values[i];
  }
  return { finite: finite.subarray(0, n), counts };
}

/** Statistics of the finite values; NaN and infinities are only counted. */
export function statsOf(values: Float32Array): ChannelStats {
  const ordinary = statsOfFinite(values);
  if (ordinary) return ordinary;
  const { finite, counts } = splitNonFinite(values);
  // Only finite values are left, so there are statistics.
  return { ...(statsOfFinite(finite) as ChannelStats), nonFinite: counts };
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
 * The statistics of parts put together without another pass over the values: each part's squared
 * deviations, moved to the pooled mean, add up, weighted by its count of finite values.
 */
function pooled(parts: readonly ChannelStats[]): ChannelStats {
  const counts = { nan: 0, posInf: 0, negInf: 0 };
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const p of parts) {
    for (const kind of NON_FINITE_KINDS) counts[kind] += p.nonFinite[kind];
    if (p.finite === 0) continue;
    n += p.finite;
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
    sum += p.mean * p.finite;
    zeros += p.zeros * p.finite;
  }
  if (n === 0) return { ...NOTHING_FINITE, nonFinite: counts };
  const mean = sum / n;
  let variance = 0;
  for (const p of parts) variance += p.finite * (p.std * p.std + (p.mean - mean) * (p.mean - mean));
  return { min, max, mean, std: Math.sqrt(variance / n), zeros: zeros / n, finite: n, nonFinite: counts };
}

/** See LayerStats.deadChannels. */
function isDead(s: ChannelStats): boolean {
  return s.finite + s.nonFinite.negInf > 0 && (s.finite === 0 || s.max <= 0) && s.nonFinite.posInf === 0;
}

export function summarize(a: Activation): ActivationSummary {
  const g = geometry(a.shape);
  const channels = Array.from({ length: g.channels }, (_, c) => statsOf(channelValues(a, c)));
  return { layer: { ...pooled(channels), channels: g.channels, deadChannels: channels.filter(isDead).length }, channels };
}

/**
 * Channel indices by descending mean or max of their finite values (top-k first); channels with
 * none come last. Ties keep index order.
 */
export function rankChannels(channels: readonly ChannelStats[], by: "mean" | "max"): number[] {
  const key = (c: number): number => (channels[c].finite > 0 ? channels[c][by] : -Infinity);
  return channels.map((_, i) => i).sort((a, b) => key(b) - key(a) || a - b);
}
