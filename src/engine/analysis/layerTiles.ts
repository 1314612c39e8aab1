import type { ChannelReply, ChannelStats, LayerReply, LayerRequest } from "../../shared/protocol";
import { type Range, symmetric, toBytes, valueRange } from "../../shared/normalize";
import { type Activation, type ActivationSummary, channelValues, firstBatch, geometry, rankChannels } from "./stats";
import { FeatureMapsError } from "../../shared/errors";
import { nonFiniteMask, nonFiniteTotal } from "../../shared/nonFinite";

/** Which channels a request shows, in display order. */
export function selectChannels(request: LayerRequest, summary: ActivationSummary): number[] {
  const total = summary.channels.length;
  if (request.channels) {
    const bad = request.channels.filter((c) => !Number.isInteger(c) || c < 0 || c >= total);
    if (bad.length > 0) throw new FeatureMapsError("CHANNEL_UNKNOWN", `${request.layer} has ${total} channels (0-${total - 1}); no channel ${bad.join(", ")}`);
    return [...request.channels];
  }
  const order = request.order === "index" ? summary.channels.map((_, i) => i) : rankChannels(summary.channels, request.order);
  return order.slice(request.start, request.start + request.count);
}

/** min..max from statistics; a part with no finite value has none, as valueRange gives for it. */
function statsRange(s: ChannelStats): Range {
  return s.finite > 0 ? { low: s.min, high: s.max } : { low: 0, high: 0 };
}

/**
 * The ranges one layer's tiles are scaled to. Unclipped ones are the statistics' min and max;
 * clipping percentiles take passes over the values, so each is computed once per layer, channel and clip.
 */
export class LayerRanges {
  private readonly clipped = new Map<string, Range>();

  constructor(
    private readonly activation: Activation,
    private readonly summary: ActivationSummary,
  ) {}

  channel(channel: number, clip: number): Range {
    if (!(clip > 0)) return statsRange(this.summary.channels[channel]);
    return this.memo(`${channel}/${clip}`, () => valueRange(channelValues(this.activation, channel), clip));
  }

  layer(clip: number): Range {
    if (!(clip > 0)) return statsRange(this.summary.layer);
    return this.memo(`layer/${clip}`, () => valueRange(firstBatch(this.activation), clip));
  }

  private memo(key: string, compute: () => Range): Range {
    let range = this.clipped.get(key);
    if (!range) {
      range = compute();
      this.clipped.set(key, range);
    }
    return range;
  }
}

/**
 * Packs the chosen channels as 8-bit tiles plus the real values at each tile's ends, so the
 * webview colours them with a lookup table and labels the colorbar truthfully; and, only when one
 * of them holds NaN or an infinity, the mask of those pixels.
 */
export function packLayer(
  activation: Activation,
  summary: ActivationSummary,
  ranges: LayerRanges,
  request: LayerRequest,
  /** The range of every layer's values, for global normalisation. */
  globalRange?: Range,
): LayerReply {
  const g = geometry(activation.shape);
  const channels = selectChannels(request, summary);
  const size = g.height * g.width;
  const tiles = new Uint8Array(channels.length * size);
  const low = new Float32Array(channels.length);
  const high = new Float32Array(channels.length);
  const clip = request.clipPercent;
  let shared: Range | undefined;
  if (request.normalize === "layer") shared = ranges.layer(clip);
  else if (request.normalize === "symmetric") shared = symmetric(ranges.layer(clip));
  else if (request.normalize === "global") {
    if (!globalRange) throw new FeatureMapsError("INTERNAL", "global normalisation needs the range of every layer");
    shared = globalRange;
  }
  const masked = (c: number): boolean => nonFiniteTotal(summary.channels[c].nonFinite) > 0;
  const mask = channels.some(masked) ? new Uint8Array(tiles.length) : undefined;
  channels.forEach((c, i) => {
    const range = shared ?? ranges.channel(c, clip);
    low[i] = range.low;
    high[i] = range.high;
    const values = channelValues(activation, c);
    toBytes(values, range, tiles.subarray(i * size, (i + 1) * size));
    if (mask && masked(c)) nonFiniteMask(values, mask.subarray(i * size, (i + 1) * size));
  });
  return {
    layer: request.layer,
    shape: activation.shape,
    totalChannels: g.channels,
    height: g.height,
    width: g.width,
    channels: Int32Array.from(channels),
    tiles,
    low,
    high,
    ...(mask ? { nonFinite: mask } : {}),
    stats: summary.layer,
  };
}

export function packChannel(layer: string, activation: Activation, summary: ActivationSummary, channel: number): ChannelReply {
  const g = geometry(activation.shape);
  if (!Number.isInteger(channel) || channel < 0 || channel >= g.channels) {
    throw new FeatureMapsError("CHANNEL_UNKNOWN", `${layer} has ${g.channels} channels (0-${g.channels - 1}); no channel ${channel}`);
  }
  // slice, not subarray: the reply must own an exact-size buffer.
  return { layer, channel, height: g.height, width: g.width, values: channelValues(activation, channel).slice(), stats: summary.channels[channel] };
}
