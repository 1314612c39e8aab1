import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { walkImages } from "../../../../src/engine/scan/walk";
import { within } from "../../../support/hostileFiles";

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-walk-"));
  await fs.mkdir(path.join(dir, "a", "b", "c"), { recursive: true });
  for (const f of ["top.png", "a/one.JPG", "a/b/two.tiff", "a/b/c/three.bmp", "a/notes.txt", "a/b/model.onnx"]) await fs.writeFile(path.join(dir, f), "x");
  // A link back to the top: followed once, no loop.
  await fs.symlink(dir, path.join(dir, "a", "b", "loop"));
  // A link to an image elsewhere counts; a dangling one does not.
  await fs.symlink(path.join(dir, "top.png"), path.join(dir, "a", "linked.png"));
  await fs.symlink(path.join(dir, "gone.png"), path.join(dir, "a", "dangling.png"));
  // A FIFO named like an image would block whoever opens it: passed over.
  execFileSync("mkfifo", [path.join(dir, "a", "pipe.png")]);
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("folder walk", () => {
  it("finds the images under every folder, sorted, relative with /, links followed once, no FIFO", async () => {
    const found = await within(5000, walkImages(dir, 100));
    assert.deepEqual(found.map((f) => f.path), ["a/b/c/three.bmp", "a/b/two.tiff", "a/linked.png", "a/one.JPG", "top.png"]);
    assert.equal(found[0].size, 1);
    assert.equal(found[0].file, path.join(dir, "a", "b", "c", "three.bmp"));
  });

  it("refuses more images than the bound, naming the setting and the CLI option", async () => {
    await assert.rejects(walkImages(dir, 4), (e: Error & { code?: string }) => {
      assert.equal(e.code, "INPUT_INVALID");
      assert.match(e.message, /holds more than 4 images.*featureMaps\.scan\.maxImages.*--max-images/);
      return true;
    });
  });

  it("refuses a file or a missing path as the folder", async () => {
    await assert.rejects(walkImages(path.join(dir, "top.png"), 10), /top\.png is not a folder/);
    await assert.rejects(walkImages(path.join(dir, "missing"), 10), /missing is not a folder/);
  });
});
