// Clipping percentiles of many values without sorting them: a layer has hundreds of thousands of
// values and all layers together millions, too many to sort per request. Narrowing histograms find the two
// order statistics each percentile needs, exactly, in a few passes over the values.

import type { Range } from "./normalize";

const BINS = 4096;
/** A bin this small is sorted instead of narrowed again. */
const SORTED_BIN = 4096;

interface Histogram {
  readonly counts: Uint32Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** Counts of the values in [lo, hi] per bin, with each bin's smallest and largest value. */
function histogram(parts: readonly Float32Array[], lo: number, hi: number): Histogram {
  const counts = new Uint32Array(BINS);
  const low = new Float64Array(BINS).fill(Infinity);
  const high = new Float64Array(BINS).fill(-Infinity);
  const scale = BINS / (hi - lo);
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i];
      if (!(v >= lo && v <= hi)) continue;
      const b = Math.min(BINS - 1, Math.floor((v - lo) * scale));
      counts[b]++;
      if (v < low[b]) low[b] = v;
      if (v > high[b]) high[b] = v;
    }
  }
  return { counts, low, high };
}

function sortedWithin(parts: readonly Float32Array[], lo: number, hi: number, count: number): Float32Array {
  const out = new Float32Array(count);
  let n = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i];
      if (v >= lo && v <= hi) out[n++] = v;
    }
  }
  return out.sort();
}

/**
 * The k-th and (k+1)-th smallest of the values that `first` counts (k from 0); `after` is the
 * smallest value above them, for a k that is the last one. Binning is monotonic, so the values
 * between a bin's smallest and largest are exactly that bin's: each step keeps one bin's range,
 * strictly narrower, as its ends always fall in different bins of the next histogram.
 */
function orderStatistics(parts: readonly Float32Array[], k: number, first: Histogram, after: number): [number, number] {
  for (let h = first; ; ) {
    let b = 0;
    while (k >= h.counts[b]) k -= h.counts[b++];
    let next = b + 1;
    while (next < BINS && h.counts[next] === 0) next++;
    if (next < BINS) after = h.low[next];
    const count = h.counts[b];
    // ReLU's zeros: often most of a layer, all in one bin that no narrowing would split.
    if (h.low[b] === h.high[b]) return [h.low[b], k + 1 < count ? h.low[b] : after];
    if (count <= SORTED_BIN) {
      const sorted = sortedWithin(parts, h.low[b], h.high[b], count);
      return [sorted[k], k + 1 < sorted.length ? sorted[k + 1] : after];
    }
    h = histogram(parts, h.low[b], h.high[b]);
  }
}

/**
 * The clipPercent..(100 - clipPercent) percentiles of the finite values of all parts together,
 * as numpy's default (linear) method gives them on their concatenation; none gives 0..0.
 */
export function percentileRange(parts: readonly Float32Array[], clipPercent: number): Range {
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i];
      if (!Number.isFinite(v)) continue;
      count++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (count === 0) return { low: 0, high: 0 };
  if (lo === hi) return { low: lo, high: hi };
  // Both percentiles start from the same histogram of everything: one pass less over the values.
  const first = histogram(parts, lo, hi);
  const at = (p: number): number => {
    const position = (Math.min(100, Math.max(0, p)) / 100) * (count - 1);
    const k = Math.floor(position);
    const [a, b] = orderStatistics(parts, k, first, hi);
    return a + (b - a) * (position - k);
  };
  return { low: at(clipPercent), high: at(100 - clipPercent) };
}
