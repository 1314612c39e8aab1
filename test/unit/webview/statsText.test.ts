import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_NON_FINITE } from "../../../src/shared/nonFinite";
import type { LayerStats } from "../../../src/shared/protocol";
import { formatValue } from "../../../webview-ui/common/format";
import { channelStatsText, layerStatsText, nonFiniteEntries } from "../../../webview-ui/common/statsText";

const ORDINARY: LayerStats = { min: -1, max: 2, mean: 0.5, std: 1, zeros: 0.25, finite: 100, nonFinite: NO_NON_FINITE, channels: 4, deadChannels: 1 };

describe("statistics as text", () => {
  it("shows a value under the pointer as NaN, +Inf or −Inf", () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0, 0.25].map(formatValue), ["NaN", "+Inf", "−Inf", "0", "0.25"]);
  });

  it("adds the counts of the non-finite values present, and only those", () => {
    assert.equal(layerStatsText(ORDINARY), "min -1 · max 2 · mean 0.5 · std 1 · zeros 25.0% · 1 of 4 dead");
    const stats = { ...ORDINARY, nonFinite: { nan: 12, posInf: 0, negInf: 3 } };
    assert.equal(layerStatsText(stats), "min -1 · max 2 · mean 0.5 · std 1 · zeros 25.0% · 12 NaN · 3 −Inf · 1 of 4 dead");
    assert.deepEqual(
      nonFiniteEntries(stats.nonFinite).map((e) => [e.kind, e.label, e.count]),
      [
        ["nan", "NaN", 12],
        ["negInf", "−Inf", 3],
      ],
    );
  });

  it("says a channel without a finite value has no range instead of showing numbers", () => {
    const text = channelStatsText({ min: 0, max: 0, mean: 0, std: 0, zeros: 0, finite: 0, nonFinite: { nan: 64, posInf: 0, negInf: 0 } });
    assert.equal(text, "no finite values, so no range · 64 NaN");
  });
});
