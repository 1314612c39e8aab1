import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rankChannels, statsOf, summarize } from "../../../../src/engine/analysis/stats";
import { NO_NON_FINITE } from "../../../../src/shared/nonFinite";

describe("statistics", () => {
  it("computes min, max, mean, population std and the share of zeros", () => {
    const s = statsOf(Float32Array.from([0, 0, 2, 6]));
    assert.deepEqual(s, { min: 0, max: 6, mean: 2, std: Math.sqrt((4 + 4 + 0 + 16) / 4), zeros: 0.5, finite: 4, nonFinite: NO_NON_FINITE });
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

  describe("with NaN and infinities", () => {
    const finite = Float32Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? 0 : Math.sin(i * 0.9) * 3));
    /** The finite values in order, with every kind mixed in at fixed places. */
    function mixed(values: Float32Array): Float32Array {
      const out: number[] = [];
      values.forEach((v, i) => {
        out.push(v);
        if (i % 4 === 0) out.push(NaN);
        if (i % 9 === 0) out.push(Infinity);
        if (i % 11 === 0) out.push(-Infinity);
      });
      return Float32Array.from(out);
    }

    it("describes the finite values alone and counts the others exactly", () => {
      const s = statsOf(mixed(finite));
      assert.deepEqual(s, { ...statsOf(finite), nonFinite: { nan: 15, posInf: 7, negInf: 6 } });
      assert.equal(s.finite, 60);
    });

    it("pools them per layer like one pass over all the finite values", () => {
      // Channels with different shares of non-finite values (channel 2 none): the pooling must weigh by finite count.
      const data = mixed(finite).slice(0, 80);
      data.set(finite.subarray(40, 60), 40);
      const layer = summarize({ shape: [1, 4, 1, 20], data }).layer;
      const direct = statsOf(data.filter(Number.isFinite));
      for (const key of ["min", "max", "finite"] as const) assert.equal(layer[key], direct[key], key);
      for (const key of ["mean", "std", "zeros"] as const) assert.ok(Math.abs(layer[key] - direct[key]) < 1e-12, `${key}: ${layer[key]} vs ${direct[key]}`);
      const count = (test: (v: number) => boolean): number => data.filter(test).length;
      assert.deepEqual(layer.nonFinite, { nan: count(Number.isNaN), posInf: count((v) => v === Infinity), negInf: count((v) => v === -Infinity) });
    });

    it("gives a channel of only NaN defined statistics with no range, and a layer of them too", () => {
      const summary = summarize({ shape: [1, 2, 2, 2], data: new Float32Array(8).fill(NaN) });
      for (const s of [summary.channels[0], summary.layer]) {
        for (const key of ["min", "max", "mean", "std", "zeros", "finite"] as const) assert.equal(s[key], 0, key);
      }
      assert.deepEqual(summary.layer.nonFinite, { nan: 8, posInf: 0, negInf: 0 });
      assert.equal(summary.layer.deadChannels, 0, "NaN says nothing about a channel being dead");
    });

    it("counts dead channels and ranks by the finite values, channels without any last", () => {
      const data = Float32Array.from([
        ...[NaN, NaN], // 0: nothing known
        ...[-Infinity, -1], // 1: dead
        ...[Infinity, -1], // 2: +Inf passes a ReLU
        ...[2, NaN], // 3
        ...[-Infinity, -Infinity], // 4: dead
        ...[1, Infinity], // 5: max 1 over the finite values
      ]);
      const summary = summarize({ shape: [1, 6, 1, 2], data });
      assert.equal(summary.layer.deadChannels, 2);
      assert.deepEqual(rankChannels(summary.channels, "max"), [3, 5, 1, 2, 0, 4]);
      assert.deepEqual(rankChannels(summary.channels, "mean"), [3, 5, 1, 2, 0, 4]);
    });
  });
});
