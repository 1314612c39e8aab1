import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { percentileRange } from "../../../src/shared/percentiles";
import { sortedPercentileRange } from "../../support/sortedPercentiles";

/** A small seeded generator, so a failure can be rerun. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function parts(lengths: readonly number[], value: (r: () => number, i: number) => number, seed = 1): Float32Array[] {
  const r = random(seed);
  return lengths.map((n) => Float32Array.from({ length: n }, (_, i) => value(r, i)));
}

const CLIPS = [0.5, 1, 2, 5, 25, 50];

describe("percentile ranges", () => {
  const cases: [string, Float32Array[]][] = [
    ["uniform values in a few parts of different lengths", parts([1000, 17, 5000], (r) => r() * 10 - 3)],
    ["ReLU outputs: most values exactly 0, the rest spread", parts([40_000, 25_000], (r) => Math.max(0, r() - 0.7) * 50)],
    ["a heavy tail that crowds one histogram bin and needs narrowing", parts([200_000], (r) => Math.exp(-Math.log(r() + 1e-9) * 3) * (r() < 0.5 ? -1 : 1))],
    ["few distinct values, many repeats", parts([30_000, 30_000], (r) => Math.floor(r() * 4) - 1)],
    ["two values", [Float32Array.from([0, 10])]],
    ["one value", [Float32Array.from([3.5])]],
    ["tiny differences between neighbours", parts([9000], (r) => 1 + Math.floor(r() * 50) * 2 ** -22)],
    ["NaN and infinities among many values", parts([50_000, 3000], (r) => [NaN, Infinity, -Infinity][Math.floor(r() * 30)] ?? r() * 8 - 4)],
  ];
  for (const [what, values] of cases) {
    it(`equals sorting all values, for ${what}`, () => {
      for (const clip of CLIPS) {
        assert.deepEqual(percentileRange(values, clip), sortedPercentileRange(values, clip), `clip ${clip}%`);
      }
    });
  }

  it("interpolates between order statistics like numpy", () => {
    assert.deepEqual(percentileRange([Float32Array.from({ length: 101 }, (_, i) => i)], 1), { low: 1, high: 99 });
    assert.deepEqual(percentileRange([Float32Array.from([0, 10])], 25), { low: 2.5, high: 7.5 });
  });

  it("leaves out NaN and infinities, and gives 0..0 when nothing is left", () => {
    const values = Float32Array.from([NaN, -Infinity, 1, 2, 3, Infinity, NaN]);
    assert.deepEqual(percentileRange([values], 50), { low: 2, high: 2 });
    assert.deepEqual(percentileRange([values], 1e-9), percentileRange([Float32Array.from([1, 2, 3])], 1e-9));
    assert.deepEqual(percentileRange([Float32Array.from([NaN]), new Float32Array(0)], 1), { low: 0, high: 0 });
  });

  it("gives the one value of a constant input", () => {
    assert.deepEqual(percentileRange([new Float32Array(10_000).fill(-2)], 5), { low: -2, high: -2 });
  });
});
