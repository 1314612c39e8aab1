import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colormapLut, NON_FINITE_RGB } from "../../../src/shared/colormaps";
import { paintScaled } from "../../../webview-ui/common/paint";

function image(width: number, height: number): { width: number; height: number; data: Uint8ClampedArray } {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}

function pixel(img: { width: number; data: Uint8ClampedArray }, x: number, y: number): number[] {
  return [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
}

describe("painting tiles", () => {
  const lut = colormapLut("viridis");
  const colour = (byte: number): number[] => [...lut.subarray(byte * 3, byte * 3 + 3), 255];
  // A 3x2 map: NaN at (1, 0), +Inf at (2, 0), -Inf at (0, 1).
  const bytes = Uint8Array.from([10, 0, 255, 0, 200, 90]);
  const mask = Uint8Array.from([0, 1, 2, 3, 0, 0]);
  const expected = [colour(10), [...NON_FINITE_RGB.nan, 255], [...NON_FINITE_RGB.posInf, 255], [...NON_FINITE_RGB.negInf, 255], colour(200), colour(90)];

  it("paints masked pixels in their fixed colours, enlarged blocks included, the others through the colormap", () => {
    // Enlarged 3x at (2, 1) of a larger picture.
    const img = image(14, 9);
    paintScaled(bytes, { width: 3, height: 2 }, lut, img, 2, 1, { width: 9, height: 6 }, mask);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 9; x++) {
        const source = Math.floor(y / 3) * 3 + Math.floor(x / 3);
        assert.deepEqual(pixel(img, 2 + x, 1 + y), expected[source], `picture pixel ${x}, ${y}`);
      }
    }
    assert.deepEqual(pixel(img, 0, 0), [0, 0, 0, 0]);
  });

  it("without a mask paints every byte through the colormap, as before", () => {
    const img = image(3, 2);
    paintScaled(bytes, { width: 3, height: 2 }, lut, img, 0, 0, { width: 3, height: 2 });
    [...bytes].forEach((b, i) => assert.deepEqual(pixel(img, i % 3, Math.floor(i / 3)), colour(b)));
  });
});
