import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rankChannels, statsOf, summarize } from "../../../../src/engine/analysis/stats";

describe("statistics", () => {
  it("computes min, max, mean, population std and the share of zeros", () => {
    const s = statsOf(Float32Array.from([0, 0, 2, 6]));
    assert.deepEqual(s, { min: 0, max: 6, mean: 2, std: Math.sqrt((4 + 4 + 0 + 16) / 4), zeros: 0.5 });
  });

  it("pools the channels' statistics into the layer's, equal to one pass over the layer", () => {
    const data = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => Math.sin(i * 1.7) * (i % 4) + (i % 3 === 0 ? 0 : 0.25));
    const layer = summarize({ shape: [1, 3, 5, 7], data }).layer;
    const direct = statsOf(data);
    for (const key of ["min", "max"] as const) assert.equal(layer[key], direct[key], key);
    for (const key of ["mean", "std", "zeros"] as const) assert.ok(Math.abs(layer[key] - direct[key]) < 1e-12, `${key}: ${layer[key]} vs ${direct[key]}`);
  });

  it("counts dead channels and ranks channels top-first", () => {
    const data = Float32Array.from([0, 0, -1, 0, 1, 3, 5, -4]);
    const summary = summarize({ shape: [1, 4, 1, 2], data });
    assert.equal(summary.layer.deadChannels, 2);
    assert.deepEqual(rankChannels(summary.channels, "mean"), [2, 3, 0, 1]);
    assert.deepEqual(rankChannels(summary.channels, "max"), [3, 2, 0, 1]);
  });
});
