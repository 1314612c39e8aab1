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
}

const DIR = path.join(REFERENCE, "imread");

describe("decoding matches cv2.imread(IMREAD_COLOR): 16-bit, low-bit, tRNS and palette PNGs; 16-bit and alpha TIFFs", async () => {
  const { cases } = JSON.parse(await fs.readFile(path.join(DIR, "cases.json"), "utf8")) as { cases: ImreadCase[] };

  it("has reference cases to check", () => assert.ok(cases.length >= 18));

  for (const c of cases) {
    it(`${c.file} (${c.what}): byte for byte`, async () => {
      const image = await readImage(path.join(DIR, c.file));
      const cv = readNpy(await fs.readFile(path.join(DIR, c.npy)), c.npy);
      assert.deepEqual(cv.shape, [image.height, image.width, 3]);
      const { differing, worst } = bgrDifference(image, cv);
      assert.equal(differing, 0, `${differing} of ${image.width * image.height * 3} values differ, by up to ${worst}`);
    });
  }
});
