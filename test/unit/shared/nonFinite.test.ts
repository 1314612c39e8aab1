import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NON_FINITE_KINDS, nonFiniteKind, nonFiniteMask } from "../../../src/shared/nonFinite";

describe("non-finite values", () => {
  it("the mask marks exactly the NaN and infinities, each by its kind", () => {
    const values = Float32Array.from([0, NaN, -0, Infinity, 3e38, -Infinity, -1e-45, NaN]);
    const mask = new Uint8Array(values.length);
    nonFiniteMask(values, mask);
    assert.deepEqual([...mask], [0, 1, 0, 2, 0, 3, 0, 1]);
    assert.deepEqual([...mask].map((code) => NON_FINITE_KINDS[code - 1]), [...values].map((v) => nonFiniteKind(v)));
    nonFiniteMask(Float32Array.from([1, -2, 0, 4]), mask);
    assert.deepEqual([...mask.subarray(0, 4)], [0, 0, 0, 0]);
  });
});
