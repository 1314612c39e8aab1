import type { MapStatistics } from "./mapStatistics";
import type { ScanChannel, ScanHit } from "../../shared/scan";

/** One image's value in a channel, and which image: its index in the folder's sorted list. */
interface Ranked {
  readonly values: Float64Array;
  readonly images: Int32Array;
  readonly counts: Int32Array;
}

function ranked(channels: number, k: number): Ranked {
  return { values: new Float64Array(channels * k), images: new Int32Array(channels * k), counts: new Int32Array(channels) };
}

/** Higher value first; equal values in folder order, so a result does not depend on batching. */
function before(value: number, image: number, otherValue: number, otherImage: number): boolean {
  return value > otherValue || (value === otherValue && image < otherImage);
}

/** Puts an image into a channel's best `k`, kept sorted: k is small, so a linear insertion is enough. */
function offer(r: Ranked, k: number, channel: number, value: number, image: number): void {
  const base = channel * k;
  const n = r.counts[channel];
  if (n === k && !before(value, image, r.values[base + k - 1], r.images[base + k - 1])) return;
  let at = Math.min(n, k - 1);
  while (at > 0 && before(value, image, r.values[base + at - 1], r.images[base + at - 1])) {
    r.values[base + at] = r.values[base + at - 1];
    r.images[base + at] = r.images[base + at - 1];
    at--;
  }
  r.values[base + at] = value;
  r.images[base + at] = image;
  if (n < k) r.counts[channel] = n + 1;
}

/**
 * Per-channel statistics over a folder, one image at a time: a running sum of image means, the
 * largest value, and the best `k` images by mean and by max. Memory is channels × k, whatever
 * the number of images.
 */
export class ChannelTops {
  private readonly sums: Float64Array;
  private readonly seen: Int32Array;
  private readonly maxima: Float64Array;
  private readonly byMean: Ranked;
  private readonly byMax: Ranked;

  constructor(
    readonly channels: number,
    readonly k: number,
  ) {
    this.sums = new Float64Array(channels);
    this.seen = new Int32Array(channels);
    this.maxima = new Float64Array(channels).fill(-Infinity);
    this.byMean = ranked(channels, k);
    this.byMax = ranked(channels, k);
  }

  /** One image's mean and max in a channel (NaN when it has no finite value there). */
  add(image: number, channel: number, mean: number, max: number): void {
    if (Number.isNaN(mean)) return;
    this.sums[channel] += mean;
    this.seen[channel]++;
    if (max > this.maxima[channel]) this.maxima[channel] = max;
    if (this.k === 0) return;
    offer(this.byMean, this.k, channel, mean, image);
    offer(this.byMax, this.k, channel, max, image);
  }

  /** A batch's statistics; `images` names its images, in order. */
  addStatistics(images: readonly number[], stats: MapStatistics): void {
    for (let i = 0; i < images.length; i++) {
      for (let c = 0; c < this.channels; c++) this.add(images[i], c, stats.means[i * stats.channels + c], stats.maxima[i * stats.channels + c]);
    }
  }

  /** The channels as a result lists them; `paths` names the images by index. */
  result(paths: readonly string[]): ScanChannel[] {
    const hits = (r: Ranked, c: number): ScanHit[] =>
      Array.from({ length: r.counts[c] }, (_, i) => ({ path: paths[r.images[c * this.k + i]], value: r.values[c * this.k + i] }));
    return Array.from({ length: this.channels }, (_, c) => {
      const any = this.seen[c] > 0;
      return {
        channel: c,
        mean: any ? this.sums[c] / this.seen[c] : null,
        max: any ? this.maxima[c] : null,
        dead: any && this.maxima[c] <= 0,
        topByMean: hits(this.byMean, c),
        topByMax: hits(this.byMax, c),
      };
    });
  }
}
