import * as assert from "assert";
import { describe, it } from "node:test";
import { LayerRanges, packLayer } from "../../../../src/engine/analysis/layerTiles";
import { channelValues, summarize } from "../../../../src/engine/analysis/stats";
import { maskCode, nonFiniteKind } from "../../../../src/shared/nonFinite";
import { NORMALIZE_MODES, type Range, symmetric, toBytes } from "../../../../src/shared/normalize";
import { sortedPercentileRange } from "../../../support/sortedPercentiles";

// Two batches: only the first one is shown, so the second must not move any range.
const shape = [2, 5, 6, 7];
const ordinary = Float32Array.from({ length: 2 * 5 * 6 * 7 }, (_, i) => (i < 210 ? Math.sin(i * 0.37) * (1 + (i % 5)) - 0.5 : 1000 * (i % 2 ? 1 : -1)));
/** The same with NaN and infinities among the shown values, far beyond the finite ones and in every channel. */
const special = [NaN, Infinity, -Infinity];
const withNonFinite = ordinary.map((v, i) => (i < 210 && i % 13 === 4 ? special[i % 3] : v));

for (const [what, data] of [["finite values", ordinary], ["NaN and infinities among them", withNonFinite]] as const) {
  describe(`layer tiles, ${what}`, () => {
    const activation = { shape, data };
    const summary = summarize(activation);
    const ranges = new LayerRanges(activation, summary);
    /** The engine's range of all layers, by clip; here any that differ per clip. */
    const global = (clip: number): Range => ({ low: -7 - clip, high: 9 + clip });
    const firstBatch = data.subarray(0, 210);

    /** What each mode means, computed from the finite values the slow way. */
    function expected(mode: (typeof NORMALIZE_MODES)[number], clip: number, channel: number): Range {
      if (mode === "channel") return sortedPercentileRange([channelValues(activation, channel)], clip);
      if (mode === "layer") return sortedPercentileRange([firstBatch], clip);
      if (mode === "symmetric") return symmetric(sortedPercentileRange([firstBatch], clip));
      return global(clip);
    }

    for (const normalize of NORMALIZE_MODES) {
      for (const clip of [0, 1, 5]) {
        it(`scales ${normalize} normalisation, clip ${clip}%, to the ranges the finite values give`, () => {
          // Twice: the second answer comes from the remembered percentiles.
          for (let round = 0; round < 2; round++) {
            const reply = packLayer(activation, summary, ranges, { layer: "x", start: 1, count: 3, order: "index", normalize, clipPercent: clip }, global(clip));
            assert.deepEqual([...reply.channels], [1, 2, 3]);
            reply.channels.forEach((c, i) => {
              const range = expected(normalize, clip, c);
              assert.equal(reply.low[i], Math.fround(range.low), `low of channel ${c}`);
              assert.equal(reply.high[i], Math.fround(range.high), `high of channel ${c}`);
              const bytes = new Uint8Array(42);
              toBytes(channelValues(activation, c), range, bytes);
              assert.deepEqual(reply.tiles.subarray(i * 42, (i + 1) * 42), bytes, `tile of channel ${c}`);
            });
          }
        });
      }
    }

    it(data === ordinary ? "sends no mask: an ordinary reply does not grow" : "masks exactly the non-finite pixels, each with its kind", () => {
      const reply = packLayer(activation, summary, ranges, { layer: "x", start: 0, count: 5, order: "index", normalize: "layer", clipPercent: 0 }, global(0));
      if (data === ordinary) {
        assert.ok(!("nonFinite" in reply));
        return;
      }
      assert.deepEqual(reply.nonFinite, Uint8Array.from(firstBatch, (v) => maskCode(nonFiniteKind(v))));
      assert.deepEqual([...new Set(reply.nonFinite)].sort(), [0, 1, 2, 3]);
    });
  });
}

describe("layer tiles of a layer with NaN in one channel only", () => {
  it("sends a mask only with the tiles of that channel", () => {
    const data = Float32Array.from({ length: 3 * 4 }, (_, i) => (i === 9 ? NaN : i));
    const activation = { shape: [1, 3, 2, 2], data };
    const summary = summarize(activation);
    const ranges = new LayerRanges(activation, summary);
    const pack = (start: number, count: number) =>
      packLayer(activation, summary, ranges, { layer: "x", start, count, order: "index", normalize: "channel", clipPercent: 0 });
    assert.ok(!("nonFinite" in pack(0, 2)));
    assert.deepEqual(pack(1, 2).nonFinite, Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0]));
  });
});
