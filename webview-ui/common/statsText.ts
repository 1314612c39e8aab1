import type { ChannelStats, LayerStats } from "../../src/shared/protocol";
import { formatPercent, formatValue } from "./format";

export function channelStatsText(s: ChannelStats): string {
  return `min ${formatValue(s.min)} · max ${formatValue(s.max)} · mean ${formatValue(s.mean)} · std ${formatValue(s.std)} · zeros ${formatPercent(s.zeros)}`;
}

export function layerStatsText(s: LayerStats): string {
  return `${channelStatsText(s)} · ${s.deadChannels} of ${s.channels} dead`;
}
