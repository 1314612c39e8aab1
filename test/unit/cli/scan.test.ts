import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { cli } from "../../support/cli";
import { generateScanFolder } from "../../support/scanFolder";

// `feature-maps scan` as users run it, in its own process.

let dir: string;
let folder: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-cli-scan-"));
  folder = path.join(dir, "images");
  await generateScanFolder(folder, 12, 3);
  await fs.writeFile(path.join(folder, "cut.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("feature-maps scan", () => {
  it("prints the same JSON twice, lists the corrupt file, reports progress and a summary on stderr", async () => {
    const first = await cli("scan", folder, "--layer", "3", "--top", "2");
    assert.equal(first.code, 0, first.stderr);
    const second = await cli("scan", folder, "--layer", "3", "--top", "2");
    assert.equal(second.stdout, first.stdout);
    const result = JSON.parse(first.stdout) as { layer: string; top: number; scanned: number; failed: { path: string; code: string }[]; channels: { topByMean: unknown[] }[] };
    assert.equal(result.layer, "features.3");
    assert.equal(result.scanned, 12);
    assert.deepEqual(result.failed.map((f) => [f.path, f.code]), [["cut.jpg", "IMAGE_UNREADABLE"]]);
    assert.equal(result.channels.length, 64);
    assert.ok(result.channels.every((c) => c.topByMean.length === 2));
    assert.match(first.stderr, /^scan: 13\/13 images, [\d.]+\/s$/m);
    assert.match(first.stderr, /features\.3 of XAI \(seed 0\): 12 images scanned, 1 failed, \d+ of 64 channels dead\n {2}cut\.jpg: .*\[IMAGE_UNREADABLE\]/);
  });

  it("writes --out and --csv, and prints no JSON then", async () => {
    const out = path.join(dir, "scan.json");
    const csv = path.join(dir, "scan.csv");
    const run = await cli("scan", folder, "--layer", "features.0", "--out", out, "--csv", csv, "--top", "1");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    assert.equal((JSON.parse(await fs.readFile(out, "utf8")) as { schema: string }).schema, "feature-maps-scan/1");
    const rows = (await fs.readFile(csv, "utf8")).trimEnd().split("\n");
    assert.equal(rows.length, 1 + 64 * 2);
  });

  it("refuses a missing --layer (usage), too many images and an unknown layer, with their codes", async () => {
    const noLayer = await cli("scan", folder);
    assert.equal(noLayer.code, 2);
    assert.match(noLayer.stderr, /--layer is required/);
    const many = await cli("scan", folder, "--layer", "0", "--max-images", "5");
    assert.equal(many.code, 1);
    assert.match(many.stderr, /holds more than 5 images.*\[INPUT_INVALID\]/);
    const unknown = await cli("scan", folder, "--layer", "features.99");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\[LAYER_UNKNOWN\]/);
    const top = await cli("scan", folder, "--layer", "0", "--top", "1000");
    assert.equal(top.code, 2);
    assert.match(top.stderr, /--top takes a whole number from 1 to 100/);
  });
});
