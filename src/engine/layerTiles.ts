import type { ChannelReply, LayerReply, LayerRequest } from "../shared/protocol";
import { type Range, symmetric, toBytes, valueRange } from "../shared/normalize";
import { type Activation, type ActivationSummary, channelValues, geometry, rankChannels } from "./stats";

export class RequestError extends Error {}

/** Which channels a request shows, in display order. */
export function selectChannels(request: LayerRequest, summary: ActivationSummary): number[] {
  const total = summary.channels.length;
  if (request.channels) {
    const bad = request.channels.filter((c) => !Number.isInteger(c) || c < 0 || c >= total);
    if (bad.length > 0) throw new RequestError(`${request.layer} has ${total} channels (0-${total - 1}); no channel ${bad.join(", ")}`);
    return [...request.channels];
  }
  const order = request.order === "index" ? summary.channels.map((_, i) => i) : rankChannels(summary.channels, request.order);
  return order.slice(request.start, request.start + request.count);
}

/**
 * Packs the chosen channels as 8-bit tiles plus the real values at each tile's ends, so the
 * webview colours them with a lookup table and labels the colorbar truthfully.
 */
export function packLayer(
  activation: Activation,
  summary: ActivationSummary,
  request: LayerRequest,
  globalRange: () => Range,
): LayerReply {
  const g = geometry(activation.shape);
  const channels = selectChannels(request, summary);
  const size = g.height * g.width;
  const tiles = new Uint8Array(channels.length * size);
  const low = new Float32Array(channels.length);
  const high = new Float32Array(channels.length);
  const clip = request.clipPercent;
  const batch0 = activation.data.subarray(0, g.channels * size);
  let shared: Range | undefined;
  if (request.normalize === "layer") shared = valueRange(batch0, clip);
  else if (request.normalize === "symmetric") shared = symmetric(valueRange(batch0, clip));
  else if (request.normalize === "global") shared = globalRange();
  channels.forEach((c, i) => {
    const values = channelValues(activation, c);
    const range = shared ?? valueRange(values, clip);
    low[i] = range.low;
    high[i] = range.high;
    toBytes(values, range, tiles.subarray(i * size, (i + 1) * size));
  });
  return {
    kind: "layer",
    layer: request.layer,
    shape: activation.shape,
    totalChannels: g.channels,
    height: g.height,
    width: g.width,
    channels: Int32Array.from(channels),
    tiles,
    low,
    high,
    stats: summary.layer,
  };
}

export function packChannel(layer: string, activation: Activation, summary: ActivationSummary, channel: number): ChannelReply {
  const g = geometry(activation.shape);
  if (!Number.isInteger(channel) || channel < 0 || channel >= g.channels) {
    throw new RequestError(`${layer} has ${g.channels} channels (0-${g.channels - 1}); no channel ${channel}`);
  }
  // slice, not subarray: the reply must own an exact-size buffer.
  return { kind: "channel", layer, channel, height: g.height, width: g.width, values: channelValues(activation, channel).slice(), stats: summary.channels[channel] };
}
