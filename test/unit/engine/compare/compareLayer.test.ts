import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { channelSimilarities, compareReply, pairLayer } from "../../../../src/engine/compare/compareLayer";
import { similarity } from "../../../../src/engine/compare/similarity";
import { toBytes } from "../../../../src/shared/normalize";
import { comparePage, MAX_COMPARE_TILE_BYTES } from "../../../../src/shared/compare";
import { maskCode } from "../../../../src/shared/nonFinite";

// Against numpy and torch (scripts/make_compare_reference.py, test/reference/compare/).
// Tolerances: cosine and correlation within 1e-9 (both sum in float64 over the same float32
// values; only the summation order differs); ranges and A - B exactly (float32 both sides); the
// resized maps within 1e-6 (torch interpolates in float32, here in float64 then rounded).

interface Described {
  readonly cosine: number[];
  readonly correlation: (number | null)[];
  readonly order: number[];
  readonly diff: number[];
  readonly channelRanges: [number, number][];
  readonly channelLimits: number[];
  readonly layerRange: [number, number];
  readonly layerLimit: number;
}

interface Fixture {
  readonly shape: number[];
  readonly a: number[];
  readonly b: number[];
  readonly same: Described;
  readonly resize: Described & { readonly shape: number[]; readonly b: number[]; readonly resized: number[] };
}

const fixture = JSON.parse(readFileSync(path.join(__dirname, "../../../../../test/reference/compare/fixture.json"), "utf8")) as Fixture;
const A = { shape: fixture.shape, data: Float32Array.from(fixture.a) };
const B = { shape: fixture.shape, data: Float32Array.from(fixture.b) };
const SMALL_B = { shape: fixture.resize.shape, data: Float32Array.from(fixture.resize.b) };
const TOL = 1e-9;

function checkSimilarities(cosine: Float64Array, correlation: Float64Array, order: Int32Array, expected: Described): void {
  expected.cosine.forEach((c, i) => assert.ok(Math.abs(cosine[i] - c) <= TOL, `cosine of channel ${i}: ${cosine[i]} vs numpy ${c}`));
  expected.correlation.forEach((r, i) => {
    if (r === null) assert.ok(Number.isNaN(correlation[i]), `channel ${i}: correlation undefined`);
    else assert.ok(Math.abs(correlation[i] - r) <= TOL, `correlation of channel ${i}: ${correlation[i]} vs numpy ${r}`);
  });
  // The same order as numpy's, where cosines tie within the tolerance either order is the same order.
  [...order].forEach((c, i) => assert.ok(Math.abs(expected.cosine[c] - expected.cosine[expected.order[i]]) <= TOL, `position ${i}: channel ${c}, numpy has ${expected.order[i]}`));
}

describe("compare: similarity of two layers, against numpy", () => {
  it("cosine, correlation and the least-similar-first order per channel, with the conventions' edge cases", () => {
    const paired = pairLayer(A, B);
    assert.equal(paired.comparable, "maps");
    const { cosine, correlation, order } = channelSimilarities(paired);
    checkSimilarities(cosine, correlation, order, fixture.same);
    // The edge cases are what the fixture says they are (both zero, one zero, constant, opposite, scaled).
    assert.deepEqual([cosine[0], cosine[1]], [1, 0]);
    assert.ok(Number.isNaN(correlation[2]));
    assert.ok(Math.abs(cosine[3] + 1) < 1e-12 && Math.abs(correlation[4] - 1) < 1e-12);
  });

  it("A - B value by value, shared ranges per channel and per layer, symmetric difference range", () => {
    const paired = pairLayer(A, B);
    assert.deepEqual([...paired.diff], fixture.same.diff);
    const channels = 8;
    for (const range of ["channel", "layer"] as const) {
      const reply = compareReply("x", paired, { layer: "x", start: 0, count: channels, range });
      assert.deepEqual([...reply.channels], [...reply.order]);
      [...reply.channels].forEach((c, i) => {
        const [low, high] = range === "channel" ? fixture.same.channelRanges[c] : fixture.same.layerRange;
        const limit = range === "channel" ? fixture.same.channelLimits[c] : fixture.same.layerLimit;
        assert.deepEqual([reply.low[i], reply.high[i], reply.limit[i]], [low, high, limit], `${range} range of channel ${c}`);
        // A and B are painted through the same range: equal values, equal bytes.
        const size = 20;
        const bytes = (values: number[]) => {
          const out = new Uint8Array(size);
          toBytes(Float32Array.from(values), { low, high }, out);
          return [...out];
        };
        assert.deepEqual([...reply.tilesA.subarray(i * size, (i + 1) * size)], bytes(fixture.a.slice(c * size, (c + 1) * size)));
        assert.deepEqual([...reply.tilesB.subarray(i * size, (i + 1) * size)], bytes(fixture.b.slice(c * size, (c + 1) * size)));
        const diff = new Uint8Array(size);
        toBytes(Float32Array.from(fixture.same.diff.slice(c * size, (c + 1) * size)), { low: -limit, high: limit }, diff);
        assert.deepEqual([...reply.tilesDiff.subarray(i * size, (i + 1) * size)], [...diff]);
      });
    }
  });

  it("a page of channels is a slice of the order", () => {
    const reply = compareReply("x", pairLayer(A, B), { layer: "x", start: 2, count: 3, range: "channel" });
    assert.deepEqual([...reply.channels], [...reply.order.slice(2, 5)]);
    assert.equal(reply.tilesA.length, 3 * 20);
  });

  it("different map sizes: B resized to A's as torch's interpolate (bilinear, align_corners=False), then compared", () => {
    const paired = pairLayer(A, SMALL_B);
    assert.equal(paired.comparable, "resized");
    assert.match(paired.note ?? "", /5x4 and B's 3x2: B is resized/);
    fixture.resize.resized.forEach((v, i) => assert.ok(Math.abs(paired.b[i] - v) <= 1e-6, `resized value ${i}: ${paired.b[i]} vs torch ${v}`));
    const { cosine, correlation, order } = channelSimilarities(paired);
    // Resized values differ from torch's in the last float32 bit: similarities within 1e-6.
    fixture.resize.cosine.forEach((c, i) => assert.ok(Math.abs(cosine[i] - c) <= 1e-6, `cosine ${i}`));
    fixture.resize.correlation.forEach((r, i) => assert.ok(r === null ? Number.isNaN(correlation[i]) : Math.abs(correlation[i] - r) <= 1e-6, `correlation ${i}`));
    assert.deepEqual([...order], fixture.resize.order);
  });

  it("different channel counts: statistics only, no maps", () => {
    const other = { shape: [1, 3, 5, 4], data: Float32Array.from(fixture.a.slice(0, 60)) };
    const paired = pairLayer(A, other);
    assert.equal(paired.comparable, "statistics");
    assert.match(paired.note ?? "", /8x5x4 and B 3x5x4: their channels do not pair up/);
    const reply = compareReply("x", paired, { layer: "x", start: 0, count: 8, range: "channel" });
    assert.deepEqual([reply.totalChannels, reply.channels.length, reply.tilesA.length], [0, 0, 0]);
    assert.deepEqual(reply.b.shape, [1, 3, 5, 4]);
  });

  it("finite layers send no masks; NaN and infinities are masked on their side and in A - B, and left out of the ranges", () => {
    assert.equal(compareReply("x", pairLayer(A, B), { layer: "x", start: 0, count: 8, range: "channel" }).masks, undefined);
    const a = Float32Array.from(fixture.a);
    const b = Float32Array.from(fixture.b);
    // Channel 5, pixels 0 and 1.
    a[5 * 20] = NaN;
    b[5 * 20 + 1] = Infinity;
    const reply = compareReply("x", pairLayer({ shape: fixture.shape, data: a }, { shape: fixture.shape, data: b }), { layer: "x", start: 0, count: 8, range: "channel" });
    const row = [...reply.channels].indexOf(5);
    const masks = reply.masks;
    assert.ok(masks);
    const at = (m: Uint8Array) => [...m.subarray(row * 20, row * 20 + 3)];
    assert.deepEqual(at(masks.a), [maskCode("nan"), 0, 0]);
    assert.deepEqual(at(masks.b), [0, maskCode("posInf"), 0]);
    assert.deepEqual(at(masks.diff), [maskCode("nan"), maskCode("negInf"), 0]);
    assert.ok(Number.isFinite(reply.low[row]) && Number.isFinite(reply.high[row]) && Number.isFinite(reply.limit[row]));
    assert.equal(masks.a.filter((m) => m !== 0).length, 1, "other channels are unmasked");
  });

  it("a page of large maps is cut to the reply's byte bound, never below one channel", () => {
    assert.equal(comparePage(8, 5, 4), 8);
    const side = 1024;
    const fits = Math.floor(MAX_COMPARE_TILE_BYTES / (3 * side * side));
    assert.equal(comparePage(256, side, side), fits);
    assert.ok(fits * 3 * side * side <= MAX_COMPARE_TILE_BYTES && fits < 256);
    assert.equal(comparePage(256, 8192, 8192), 1);
  });

  it("non-finite values are left out of both sums", () => {
    const a = Float32Array.from([1, 2, NaN, 3]);
    const b = Float32Array.from([2, 4, 5, Infinity]);
    const s = similarity(a, b);
    assert.ok(Math.abs(s.cosine - 1) < 1e-12 && Math.abs(s.correlation - 1) < 1e-12);
  });
});
