import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { finiteRange, toBytes, valueRange } from "../../../src/shared/normalize";

describe("normalize", () => {
  it("bins like matplotlib: floor(t * 256), the maximum in bin 255", () => {
    const out = new Uint8Array(5);
    toBytes(Float32Array.from([0, 0.25, 0.5, 0.999, 1]), { low: 0, high: 1 }, out);
    assert.deepEqual([...out], [0, 64, 128, 255, 255]);
  });

  it("maps a flat tile to 0 like imshow of a constant image", () => {
    const out = new Uint8Array(3).fill(9);
    toBytes(Float32Array.from([2, 2, 2]), { low: 2, high: 2 }, out);
    assert.deepEqual([...out], [0, 0, 0]);
  });

  it("clips at percentiles", () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(valueRange(values, 0), { low: 0, high: 100 });
    assert.deepEqual(valueRange(values, 1), { low: 1, high: 99 });
  });

  it("takes ranges from the finite values only, clipped or not", () => {
    const finite = Float32Array.from({ length: 101 }, (_, i) => i - 50);
    const mixed = Float32Array.from([Infinity, ...finite.subarray(0, 50), NaN, -Infinity, ...finite.subarray(50), NaN, Infinity]);
    for (const clip of [0, 1, 10]) assert.deepEqual(valueRange(mixed, clip), valueRange(finite, clip), `clip ${clip}`);
    assert.deepEqual(finiteRange(mixed), { low: -50, high: 50 });
  });

  it("has no range without a finite value: 0..0 to scale by, undefined to merge", () => {
    const none = Float32Array.from([NaN, Infinity, -Infinity, NaN]);
    for (const clip of [0, 5]) assert.deepEqual(valueRange(none, clip), { low: 0, high: 0 });
    assert.equal(finiteRange(none), undefined);
    assert.equal(finiteRange(new Float32Array(0)), undefined);
  });
});
