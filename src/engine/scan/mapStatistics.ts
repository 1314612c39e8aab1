/** Each image's mean and max per channel, [images × channels] in image-major order. */
export interface MapStatistics {
  /** NaN where a channel has no finite value. */
  readonly means: Float64Array;
  /** -Infinity where a channel has no finite value. */
  readonly maxima: Float64Array;
  readonly channels: number;
}

/**
 * The statistics of `count` images' maps: `data` holds each image's `channels` × `spatial`
 * values, channel-major (NCHW) or, with `channelsLast`, NHWC. NaN and ±Inf are left out, as
 * everywhere in the statistics.
 */
export function mapStatistics(data: Float32Array, count: number, channels: number, spatial: number, channelsLast: boolean): MapStatistics {
  const means = new Float64Array(count * channels);
  const maxima = new Float64Array(count * channels);
  const per = channels * spatial;
  // Channel-major maps are read as one run per channel; NHWC ones with a stride.
  const step = channelsLast ? channels : 1;
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < channels; c++) {
      const start = i * per + (channelsLast ? c : c * spatial);
      const end = start + spatial * step;
      let sum = 0;
      let finite = 0;
      let max = -Infinity;
      for (let at = start; at < end; at += step) {
        const v = data[at];
        // NaN and ±Inf give NaN here.
        if (v - v !== 0) continue;
        sum += v;
        finite++;
        if (v > max) max = v;
      }
      means[i * channels + c] = finite > 0 ? sum / finite : NaN;
      maxima[i * channels + c] = max;
    }
  }
  return { means, maxima, channels };
}
