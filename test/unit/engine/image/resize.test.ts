import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { readImage, type RgbaImage } from "../../../../src/engine/image/decode";
import { readNpy } from "../../../../src/engine/formats/npy";
import { resizeBilinear } from "../../../../src/engine/image/resize";
import { bgrDifference } from "../../../support/opencv";
import { REFERENCE, ROOT } from "../../../support/paths";

interface ResizeCase {
  file: string;
  source: string;
  crop: { x: number; y: number; width: number; height: number } | null;
  width: number;
  height: number;
}

function crop(image: RgbaImage, c: NonNullable<ResizeCase["crop"]>): RgbaImage {
  const rgba = new Uint8Array(c.width * c.height * 4);
  for (let y = 0; y < c.height; y++) {
    rgba.set(image.rgba.subarray(((c.y + y) * image.width + c.x) * 4, ((c.y + y) * image.width + c.x + c.width) * 4), y * c.width * 4);
  }
  return { width: c.width, height: c.height, rgba };
}

describe("resize matches cv2.resize(INTER_LINEAR) on 8-bit images", async () => {
  const { cases } = JSON.parse(await fs.readFile(path.join(REFERENCE, "resize", "cases.json"), "utf8")) as { cases: ResizeCase[] };

  it("has reference cases to check", () => assert.ok(cases.length >= 6));

  for (const c of cases) {
    it(`${c.file}: byte for byte`, async () => {
      let image = await readImage(path.join(ROOT, c.source));
      if (c.crop) image = crop(image, c.crop);
      const ours = resizeBilinear(image, c.width, c.height);
      const cv = readNpy(await fs.readFile(path.join(REFERENCE, "resize", c.file)), c.file);
      assert.deepEqual(cv.shape, [c.height, c.width, 3]);
      const { differing, worst } = bgrDifference(ours, cv);
      assert.equal(worst, 0, `${differing} values differ, by up to ${worst}`);
    });
  }
});
