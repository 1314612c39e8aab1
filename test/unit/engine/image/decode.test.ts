import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { decodeImage, readImage } from "../../../../src/engine/image/decode";
import { modelInputBytes, planesToTensor, NOTEBOOK_PREPROCESSING } from "../../../../src/engine/image/preprocess";
import { FIXTURES, SAMPLE_IMAGE } from "../../../support/paths";

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-image-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

/** A 3x2 image with distinct pixels, encoded by jimp in the given format. */
async function encoded(mime: "image/png" | "image/jpeg" | "image/bmp" | "image/gif" | "image/tiff"): Promise<Buffer> {
  const data = Buffer.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 128, 128, 128, 255]);
  return new Jimp({ width: 3, height: 2, data }).getBuffer(mime);
}

/** JPEG bytes with an APP1 EXIF segment carrying only the Orientation tag. */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write("II", 0, "ascii");
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const body = Buffer.concat([Buffer.from("Exif\0\0", "binary"), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

describe("decoding", () => {
  for (const mime of ["image/png", "image/bmp", "image/tiff"] as const) {
    it(`reads ${mime} exactly`, async () => {
      const image = await decodeImage(await encoded(mime), `x.${mime.split("/")[1]}`);
      assert.equal(image.width, 3);
      assert.equal(image.height, 2);
      assert.deepEqual([...image.rgba.subarray(0, 8)], [255, 0, 0, 255, 0, 255, 0, 255]);
    });
  }

  it("reads GIF (first frame; its palette encoder needs flat colours to keep them)", async () => {
    const data = Buffer.alloc(16 * 16 * 4);
    for (let i = 0; i < 256; i++) data.set(i % 16 < 8 ? [255, 0, 0, 255] : [0, 0, 255, 255], i * 4);
    const image = await decodeImage(await new Jimp({ width: 16, height: 16, data }).getBuffer("image/gif"), "x.gif");
    assert.deepEqual([image.width, image.height], [16, 16]);
    assert.deepEqual([...image.rgba.subarray(0, 4)], [255, 0, 0, 255]);
    const [r, g, b] = image.rgba.subarray(15 * 4, 15 * 4 + 3);
    assert.ok(r < 5 && g < 5 && b > 250, `pixel 15 is ${r},${g},${b}`);
  });

  it("reads JPEG and applies the EXIF orientation (6: rotate 90° clockwise)", async () => {
    const jpeg = await encoded("image/jpeg");
    assert.deepEqual([(await decodeImage(jpeg, "a.jpg")).width, (await decodeImage(jpeg, "a.jpg")).height], [3, 2]);
    const rotated = await decodeImage(withOrientation(jpeg, 6), "r.jpg");
    assert.deepEqual([rotated.width, rotated.height], [2, 3]);
  });

  it("reads the sample photos", async () => {
    const jpg = await readImage(path.join(FIXTURES, "images", "grace_hopper.jpg"));
    assert.deepEqual([jpg.width, jpg.height], [512, 600]);
    const png = await readImage(SAMPLE_IMAGE);
    assert.deepEqual([png.width, png.height], [451, 300]);
  });
});

describe("preprocessing", () => {
  it("orders channels BGR for the seed and keeps grey images as three equal channels", async () => {
    const grey = { width: 1, height: 1, rgba: Uint8Array.from([10, 20, 30, 0]) };
    const p = { ...NOTEBOOK_PREPROCESSING, height: 1, width: 1 };
    assert.deepEqual([...modelInputBytes(grey, p).planes], [30, 20, 10], "BGR, alpha ignored like cv2.imread");
    assert.deepEqual([...modelInputBytes(grey, { ...p, channelOrder: "rgb" }).planes], [10, 20, 30]);
    const tensor = planesToTensor(Uint8Array.from([255, 0, 51]), { ...p, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    assert.deepEqual([...tensor].map((v) => Math.round(v * 1e6) / 1e6), [1, -1, -0.6]);
  });
});

describe("bad images give one line naming the file and the cause", () => {
  const cases: Array<[string, () => Promise<Uint8Array>, RegExp]> = [
    ["empty.png", async () => new Uint8Array(0), /^empty\.png: the file is empty$/],
    ["notes.png", async () => new TextEncoder().encode("just some text, not pixels"), /^notes\.png: not a PNG, JPEG, BMP, GIF or TIFF image$/],
    ["cut.png", async () => (await encoded("image/png")).subarray(0, 40), /^cut\.png: the PNG data is cut short \(truncated file\)$/],
    ["cut.jpg", async () => (await encoded("image/jpeg")).subarray(0, 200), /^cut\.jpg: the JPEG data is cut short \(truncated file\)$/],
  ];
  for (const [name, bytes, expected] of cases) {
    it(name, async () => {
      const file = path.join(dir, name);
      await fs.writeFile(file, await bytes());
      await assert.rejects(readImage(file), (e: Error) => {
        assert.match(e.message, expected);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }

  it("refuses a huge image from its header, before decoding", async () => {
    // A PNG header claiming 20000 x 20000 followed by nothing decodable: only the header is read.
    const png = Buffer.from(await encoded("image/png"));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    const file = path.join(dir, "huge.png");
    await fs.writeFile(file, png);
    await assert.rejects(readImage(file), /^Error: huge\.png: 20000x20000 is 400\.0 megapixels, above the limit of 64/);
    await assert.rejects(readImage(file, 1000), /huge\.png: the PNG data cannot be decoded/);
  });

  it("a JPEG whose data libjpeg refuses says libjpeg's reason, and the next JPEG still decodes", async () => {
    const good = await fs.readFile(path.join(FIXTURES, "images", "grace_hopper.jpg"));
    const bad = Buffer.from(good);
    // The scan's first component (SOS: marker, length, count, then id and tables) takes huffman
    // tables 3, which the file does not define.
    bad[bad.indexOf(Buffer.from([0xff, 0xda])) + 6] = 0x33;
    await assert.rejects(decodeImage(bad, "bad.jpg"), (e: Error) => {
      assert.match(e.message, /^bad\.jpg: the JPEG data cannot be decoded \(Huffman table 0x\d\d was not defined\)$/);
      return true;
    });
    const again = await decodeImage(good, "good.jpg");
    assert.deepEqual([again.width, again.height], [512, 600]);
  });

  it("a missing file or a folder", async () => {
    await assert.rejects(readImage(path.join(dir, "nope.png")), /^Error: nope\.png: cannot read the file \(it does not exist\)$/);
    await assert.rejects(readImage(dir), /cannot read the file \(a folder, not a file\)/);
  });
});
