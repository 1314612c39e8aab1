import { NON_FINITE_KINDS, NON_FINITE_LABELS, type NonFiniteCounts, type NonFiniteKind } from "../../src/shared/nonFinite";
import type { ChannelStats, LayerStats } from "../../src/shared/protocol";
import { formatPercent, formatValue } from "./format";

export interface NonFiniteEntry {
  readonly kind: NonFiniteKind;
  readonly label: string;
  readonly count: number;
}

/** The kinds of non-finite values present, in NON_FINITE_KINDS order. */
export function nonFiniteEntries(counts: NonFiniteCounts | undefined): NonFiniteEntry[] {
  if (!counts) return [];
  return NON_FINITE_KINDS.filter((kind) => counts[kind] > 0).map((kind) => ({ kind, label: NON_FINITE_LABELS[kind], count: counts[kind] }));
}

/** "12 NaN · 3 +Inf"; empty when every value is finite. */
export function nonFiniteText(counts: NonFiniteCounts | undefined): string {
  return nonFiniteEntries(counts)
    .map((e) => `${e.count} ${e.label}`)
    .join(" · ");
}

export function channelStatsText(s: ChannelStats): string {
  // The numbers describe the finite values; without any there is nothing to describe.
  const finite =
    s.finite > 0
      ? `min ${formatValue(s.min)} · max ${formatValue(s.max)} · mean ${formatValue(s.mean)} · std ${formatValue(s.std)} · zeros ${formatPercent(s.zeros)}`
      : "no finite values, so no range";
  const others = nonFiniteText(s.nonFinite);
  return others ? `${finite} · ${others}` : finite;
}

export function layerStatsText(s: LayerStats): string {
  return `${channelStatsText(s)} · ${s.deadChannels} of ${s.channels} dead`;
}
