import type { Range } from "../../src/shared/normalize";

/**
 * The reference for clipping ranges: sort the finite values of all parts together and interpolate
 * between order statistics, as numpy.percentile's default (linear) method does.
 */
export function sortedPercentileRange(parts: readonly Float32Array[], clipPercent: number): Range {
  const sorted = Float32Array.from(parts.flatMap((p) => [...p].filter(Number.isFinite))).sort();
  if (sorted.length === 0) return { low: 0, high: 0 };
  const at = (p: number): number => {
    const position = (p / 100) * (sorted.length - 1);
    const k = Math.floor(position);
    const next = sorted[Math.min(sorted.length - 1, k + 1)];
    return sorted[k] + (next - sorted[k]) * (position - k);
  };
  return { low: at(clipPercent), high: at(100 - clipPercent) };
}
