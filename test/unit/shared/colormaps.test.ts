import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COLORMAP_NAMES, colormapLut, LUT_ENTRIES, NON_FINITE_RGB, paintTile } from "../../../src/shared/colormaps";
import { maskCode, NON_FINITE_KINDS } from "../../../src/shared/nonFinite";

describe("non-finite colours", () => {
  it("are far from every colour of every colormap, ends included, and from each other", () => {
    const distance = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    for (const kind of NON_FINITE_KINDS) {
      const rgb = NON_FINITE_RGB[kind];
      for (const name of COLORMAP_NAMES) {
        const lut = colormapLut(name);
        for (let i = 0; i < 256; i++) {
          const d = distance(rgb, lut.subarray(i * 3, i * 3 + 3));
          assert.ok(d >= 100, `${kind} is ${d.toFixed(0)} from ${name}[${i}]`);
        }
      }
      for (const other of NON_FINITE_KINDS) if (other !== kind) assert.ok(distance(rgb, NON_FINITE_RGB[other]) >= 200, `${kind} vs ${other}`);
    }
  });

  it("follow each colormap's 256 colours in its lookup table, at 255 + mask code", () => {
    for (const name of COLORMAP_NAMES) {
      const lut = colormapLut(name);
      assert.equal(lut.length, LUT_ENTRIES * 3);
      for (const kind of NON_FINITE_KINDS) assert.deepEqual([...lut.subarray((255 + maskCode(kind)) * 3, (256 + maskCode(kind)) * 3)], [...NON_FINITE_RGB[kind]]);
    }
  });

  it("paint where the mask says, the colormap everywhere else", () => {
    const lut = colormapLut("gray");
    const tile = Uint8Array.from([0, 255, 128, 7, 0, 255]);
    const mask = Uint8Array.from([0, 1, 0, 2, 3, 0]);
    // A 3x2 tile at (1, 1) of a 5x4 canvas.
    const canvas = new Uint8ClampedArray(5 * 4 * 4);
    paintTile(tile, 3, 2, lut, canvas, 5, 1, 1, mask);
    const at = (x: number, y: number): number[] => [...canvas.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4)];
    const expected = [[0, 0, 0], NON_FINITE_RGB.nan, [128, 128, 128], NON_FINITE_RGB.posInf, NON_FINITE_RGB.negInf, [255, 255, 255]];
    expected.forEach((rgb, i) => assert.deepEqual(at(1 + (i % 3), 1 + Math.floor(i / 3)), [...rgb, 255], `pixel ${i}`));
    assert.deepEqual(at(0, 0), [0, 0, 0, 0], "outside the tile stays untouched");
    const plain = new Uint8ClampedArray(5 * 4 * 4);
    paintTile(tile, 3, 2, lut, plain, 5, 1, 1);
    assert.deepEqual(plain.subarray((1 * 5 + 2) * 4, (1 * 5 + 3) * 4), Uint8ClampedArray.from([255, 255, 255, 255]), "without a mask byte 255 is the top colour");
  });
});
