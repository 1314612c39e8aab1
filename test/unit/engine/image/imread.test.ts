import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { readImage } from "../../../../src/engine/image/decode";
import { readNpy } from "../../../../src/engine/formats/npy";
import { bgrDifference } from "../../../support/opencv";
import { REFERENCE } from "../../../support/paths";

interface ImreadCase {
  file: string;
  npy: string;
  what: string;
  /** Levels a value may differ by, where the conversion is not libjpeg's or OpenCV's own; else none. */
  tolerance?: number;
}

const DIR = path.join(REFERENCE, "imread");

describe("decoding matches cv2.imread(IMREAD_COLOR): 16-bit, low-bit, tRNS and palette PNGs; 16-bit and alpha TIFFs; JPEGs", async () => {
  const { cases } = JSON.parse(await fs.readFile(path.join(DIR, "cases.json"), "utf8")) as { cases: ImreadCase[] };

  it("has reference cases to check", () => assert.ok(cases.length >= 31));

  for (const c of cases) {
    const tolerance = c.tolerance ?? 0;
    it(`${c.file} (${c.what}): ${tolerance === 0 ? "byte for byte" : `within ${tolerance}`}`, async () => {
      const image = await readImage(path.join(DIR, c.file));
      const cv = readNpy(await fs.readFile(path.join(DIR, c.npy)), c.npy);
      assert.deepEqual(cv.shape, [image.height, image.width, 3]);
      const { differing, worst } = bgrDifference(image, cv);
      assert.ok(worst <= tolerance, `${differing} of ${image.width * image.height * 3} values differ, by up to ${worst}`);
    });
  }
});
