import * as assert from "assert";
import { describe, it } from "node:test";
import { LayerRanges, packLayer } from "../../../../src/engine/analysis/layerTiles";
import { channelValues, summarize } from "../../../../src/engine/analysis/stats";
import { NORMALIZE_MODES, type Range, symmetric, toBytes } from "../../../../src/shared/normalize";
import { sortedPercentileRange } from "../../../support/sortedPercentiles";

describe("layer tiles", () => {
  // Two batches: only the first one is shown, so the second must not move any range.
  const shape = [2, 5, 6, 7];
  const data = Float32Array.from({ length: 2 * 5 * 6 * 7 }, (_, i) => (i < 210 ? Math.sin(i * 0.37) * (1 + (i % 5)) - 0.5 : 1000 * (i % 2 ? 1 : -1)));
  const activation = { shape, data };
  const summary = summarize(activation);
  const ranges = new LayerRanges(activation, summary);
  /** The engine's range of all layers, by clip; here any that differ per clip. */
  const global = (clip: number): Range => ({ low: -7 - clip, high: 9 + clip });
  const firstBatch = data.subarray(0, 210);

  /** What each mode means, computed from the values the slow way. */
  function expected(mode: (typeof NORMALIZE_MODES)[number], clip: number, channel: number): Range {
    if (mode === "channel") return sortedPercentileRange([channelValues(activation, channel)], clip);
    if (mode === "layer") return sortedPercentileRange([firstBatch], clip);
    if (mode === "symmetric") return symmetric(sortedPercentileRange([firstBatch], clip));
    return global(clip);
  }

  for (const normalize of NORMALIZE_MODES) {
    for (const clip of [0, 1, 5]) {
      it(`scales ${normalize} normalisation, clip ${clip}%, to the ranges the values give`, () => {
        // Twice: the second answer comes from the remembered percentiles.
        for (let round = 0; round < 2; round++) {
          const reply = packLayer(activation, summary, ranges, { layer: "x", start: 1, count: 3, order: "index", normalize, clipPercent: clip }, global);
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
});
