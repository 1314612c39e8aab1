// Maps float activations to 8-bit tiles. The modes answer different questions: per channel shows
// each map's own pattern (the reference notebook's imshow), per layer and global compare magnitudes across
// channels or layers, symmetric keeps zero at the middle for diverging colormaps.

import { percentileRange } from "./percentiles";

export const NORMALIZE_MODES = ["channel", "layer", "global", "symmetric"] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];

export interface Range {
  readonly low: number;
  readonly high: number;
}

/** min..max of the finite values; undefined when there are none. */
export function finiteRange(values: Float32Array): Range | undefined {
  let low = Infinity;
  let high = -Infinity;
  // Indexed: a typed array's iterator is several times slower, and the global range passes every layer's values.
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // NaN fails both comparisons. The infinity tests run only for a new extreme, which is rare, so
    // ordinary values pay almost nothing for them.
    if (v < low && v !== -Infinity) low = v;
    if (v > high && v !== Infinity) high = v;
  }
  return low <= high ? { low, high } : undefined;
}

/**
 * min..max of the finite values, or their clipPercent..(100 - clipPercent) percentiles when
 * clipping; 0..0 when there are none.
 */
export function valueRange(values: Float32Array, clipPercent: number): Range {
  if (clipPercent > 0) return percentileRange([values], clipPercent);
  return finiteRange(values) ?? { low: 0, high: 0 };
}

export function symmetric(range: Range): Range {
  const m = Math.max(Math.abs(range.low), Math.abs(range.high));
  return { low: -m, high: m };
}

/**
 * Writes values scaled from range to 0..255 into out. The bin rule is matplotlib's for a 256-entry
 * colormap: floor(t * 256) clipped to 255, so a tile coloured through our LUT matches imshow. A flat
 * range maps to 0, as imshow does for a constant image. NaN and the infinities get some byte;
 * the mask next to the tile (LayerReply.nonFinite) says which pixels they are.
 */
export function toBytes(values: Float32Array, range: Range, out: Uint8Array): void {
  const span = range.high - range.low;
  if (!(span > 0)) {
    out.fill(0);
    return;
  }
  // float32 steps as matplotlib takes them on float32 data, so no value lands in a neighbouring bin.
  const low = Math.fround(range.low);
  const span32 = Math.fround(span);
  for (let i = 0; i < values.length; i++) {
    const t = Math.fround(Math.fround(values[i] - low) / span32);
    const b = Math.floor(t * 256);
    out[i] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
}
