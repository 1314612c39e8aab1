import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Analysis } from "../../../../src/engine/analysis/analysis";
import { HeldActivations } from "../../../../src/engine/analysis/sources";
import type { Activation } from "../../../../src/engine/analysis/stats";
import type { LayerInfo } from "../../../../src/shared/protocol";
import { sortedPercentileRange } from "../../../support/sortedPercentiles";

/** An analysis of made-up layers of shape [1, 2, 2, 2], no model run. */
function analysisOf(layers: Record<string, Float32Array>): Analysis {
  const infos: LayerInfo[] = Object.keys(layers).map((id) => ({ id, name: id, op: "Conv", kind: "conv", shape: [1, 2, 2, 2] }));
  const activations = new Map<string, Activation>(Object.entries(layers).map(([id, data]) => [id, { shape: [1, 2, 2, 2], data }]));
  const model = { label: "made up", dtype: "float32", keeps: "all", inputShape: [1, 3, 2, 2], outputShape: [1, 2, 2, 2], layers: infos, provider: { wanted: "cpu", used: "cpu" } } as const;
  const result = { layers: infos, activations, inputShape: [1, 3, 2, 2], outputShape: [1, 2, 2, 2], bytes: 0 };
  return new Analysis(model, undefined, new HeldActivations(result), { height: 2, width: 2, channelOrder: "rgb", scale: 1 }, new Float32Array(12));
}

describe("the range of all layers", () => {
  const values = {
    a: Float32Array.from([5, 6, Infinity, 7, 8, NaN, 9, 10]),
    b: Float32Array.from([11, -Infinity, 12, 6.5, 7.5, 5.5, NaN, 8]),
    // Nothing finite: it adds nothing to the range, not 0..0.
    c: new Float32Array(8).fill(NaN),
  };
  const analysis = analysisOf(values);

  for (const clip of [0, 1, 25]) {
    it(`is that of the finite values of every layer, clip ${clip}%`, async () => {
      const expected = sortedPercentileRange(Object.values(values), clip);
      const reply = await analysis.layer({ layer: "c", start: 0, count: 2, order: "index", normalize: "global", clipPercent: clip });
      assert.deepEqual([reply.low[0], reply.high[0]], [Math.fround(expected.low), Math.fround(expected.high)]);
      if (clip === 0) assert.deepEqual([reply.low[0], reply.high[0]], [5, 12]);
    });
  }
});
