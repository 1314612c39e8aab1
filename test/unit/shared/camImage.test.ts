import assert from "node:assert/strict";
import { readFileSync } from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { overlayCam, resizeMap, scaleCam } from "../../../src/shared/camImage";
import { colormapLut } from "../../../src/shared/colormaps";
import { REFERENCE } from "../../support/paths";

// test/reference/cam/image.json comes from scripts/make_cam_image_reference.py: torch's
// interpolate, pytorch-grad-cam's scale_cam_image and show_cam_on_image written out in float32.

interface ResizeCase {
  h: number;
  w: number;
  outH: number;
  outW: number;
  alignCorners: boolean;
  map: number[];
  expected: number[];
}
interface OverlayCase {
  h: number;
  w: number;
  opacity: number;
  image: number[];
  scaled: number[];
  expected: number[];
}
const reference = JSON.parse(readFileSync(path.join(REFERENCE, "cam", "image.json"), "utf8")) as {
  resize: ResizeCase[];
  scale: { map: number[]; expected: number[] };
  overlay: OverlayCase[];
};

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe("resizeMap", () => {
  it("equals torch's interpolate(mode='bilinear') up and down, with and without align_corners, within 1e-6", () => {
    for (const c of reference.resize) {
      const got = resizeMap(c.map, c.h, c.w, c.outH, c.outW, c.alignCorners);
      const label = `${c.h}x${c.w} -> ${c.outH}x${c.outW}, align_corners=${c.alignCorners}`;
      assert.ok(maxDifference(got, c.expected) <= 1e-6, `${label}: off by ${maxDifference(got, c.expected)}`);
    }
  });

  it("by hand: 2x2 to 4x4 without align_corners puts pixel centres a quarter in", () => {
    const got = resizeMap([0, 1, 2, 3], 2, 2, 4, 4, false);
    // Row 0 samples y = -0.25, clamped to 0; column 1 samples x = 0.25.
    assert.deepEqual([...got.subarray(0, 4)], [0, 0.25, 0.75, 1]);
    assert.deepEqual([...got.subarray(4, 8)], [0.5, 0.75, 1.25, 1.5]);
  });
});

describe("scaleCam", () => {
  it("is scale_cam_image's (v - min) / (1e-7 + max - min) in float32", () => {
    const got = scaleCam(reference.scale.map);
    assert.ok(maxDifference(got, reference.scale.expected) <= 1e-6);
    assert.equal(Math.min(...got), 0);
    assert.ok(Math.abs(Math.max(...got) - 1) < 1e-6);
  });

  it("maps a flat map to zeros, not NaN", () => {
    assert.deepEqual([...scaleCam([2, 2, 2])], [0, 0, 0]);
  });
});

describe("overlayCam", () => {
  it("is show_cam_on_image with OpenCV's jet: at most 1 level off, and on almost every byte exact", () => {
    const lut = colormapLut("jet");
    for (const c of reference.overlay) {
      const got = overlayCam(Uint8Array.from(c.image), Float32Array.from(c.scaled), lut, c.opacity);
      const rgb = [...got].filter((_, i) => i % 4 !== 3);
      assert.ok(maxDifference(rgb, c.expected) <= 1, `opacity ${c.opacity}: off by ${maxDifference(rgb, c.expected)}`);
      const exact = rgb.filter((v, i) => v === c.expected[i]).length;
      assert.ok(exact >= rgb.length * 0.95, `opacity ${c.opacity}: ${exact} of ${rgb.length} exact`);
      assert.ok([...got].every((v, i) => i % 4 !== 3 || v === 255), "opaque");
    }
  });

  it("by hand: the formula on one pixel, and opacity 0 gives the image scaled to its brightest byte", () => {
    const lut = colormapLut("jet");
    const image = Uint8Array.from([100, 50, 0, 255, 200, 100, 0, 255]);
    const scaled = Float32Array.from([1, 0]);
    const got = overlayCam(image, scaled, lut, 0.5);
    // Pixel 0: jet[255] blended half and half with (100, 50, 0); the brightest channel becomes 255.
    const blend = (i: number, c: number): number => 0.5 * (image[i * 4 + c] / 255) + 0.5 * (lut[(i === 0 ? 255 : 0) * 3 + c] / 255);
    const values = [0, 1].flatMap((i) => [0, 1, 2].map((c) => blend(i, c)));
    const peak = Math.max(...values);
    assert.deepEqual([...got].filter((_, i) => i % 4 !== 3), values.map((v) => Math.floor((v / peak) * 255)));
    const plain = overlayCam(image, scaled, lut, 0);
    assert.deepEqual([...plain], [127, 63, 0, 255, 255, 127, 0, 255]);
  });
});

describe("jet", () => {
  it("is OpenCV's COLORMAP_JET, as show_cam_on_image uses: dark blue to dark red through cyan, green and yellow", () => {
    const lut = colormapLut("jet");
    const at = (i: number): number[] => [...lut.subarray(i * 3, i * 3 + 3)];
    // cv2.applyColorMap of 0, 64, 128, 192, 255 with COLORMAP_JET, BGR turned to RGB.
    assert.deepEqual([0, 64, 128, 192, 255].map(at), [
      [0, 0, 128],
      [0, 128, 255],
      [130, 255, 126],
      [255, 124, 0],
      [128, 0, 0],
    ]);
  });
});
