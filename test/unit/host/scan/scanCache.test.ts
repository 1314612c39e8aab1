import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { folderStamp, ScanCache } from "../../../../src/host/scan/scanCache";
import { scanMessage } from "../../../../src/host/scan/scanMessages";
import { SCAN_SCHEMA, type ScanResult } from "../../../../src/shared/scan";

const RESULT: ScanResult = {
  schema: SCAN_SCHEMA,
  model: "XAI (seed 0)",
  layer: "features.3",
  shape: [2, 4, 4],
  input: { height: 100, width: 100 },
  top: 1,
  scanned: 1,
  found: 1,
  failed: [],
  deadChannels: [1],
  channels: [
    { channel: 0, mean: 0.5, max: 1, dead: false, topByMean: [{ path: "a.png", value: 0.5 }], topByMax: [{ path: "a.png", value: 1 }] },
    { channel: 1, mean: 0, max: 0, dead: true, topByMean: [{ path: "a.png", value: 0 }], topByMax: [{ path: "a.png", value: 0 }] },
  ],
};

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-cache-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("scan results kept on disk", () => {
  const files = [{ path: "a.png", file: "/x/a.png", size: 10, mtimeMs: 1 }];

  it("gives a result back while the folder's files are unchanged, not after", async () => {
    const cache = new ScanCache(path.join(dir, "one"));
    await cache.put("key", folderStamp(files), RESULT);
    assert.deepEqual(await cache.get("key", folderStamp(files)), RESULT);
    assert.equal(await cache.get("key", folderStamp([{ ...files[0], mtimeMs: 2 }])), undefined, "a changed time");
    assert.equal(await cache.get("key", folderStamp([{ ...files[0], size: 11 }])), undefined, "a changed size");
    assert.equal(await cache.get("key", folderStamp([...files, { ...files[0], path: "b.png" }])), undefined, "a new image");
    assert.equal(await cache.get("other key", folderStamp(files)), undefined, "another model, folder or layer");
  });

  it("keeps at most 20 results, the oldest deleted first", async () => {
    const cache = new ScanCache(path.join(dir, "many"));
    for (let i = 0; i < 25; i++) await cache.put(`key ${i}`, "s", RESULT);
    assert.equal((await fs.readdir(path.join(dir, "many"))).length, 20);
    assert.ok(await cache.get("key 24", "s"));
  });

  it("ignores a damaged file", async () => {
    const cache = new ScanCache(path.join(dir, "bad"));
    await cache.put("key", "s", RESULT);
    const [name] = await fs.readdir(path.join(dir, "bad"));
    await fs.writeFile(path.join(dir, "bad", name), "{ not json");
    assert.equal(await cache.get("key", "s"), undefined);
  });
});

describe("checks of what the scan view sends", () => {
  it("accepts the view's messages and refuses malformed ones", () => {
    assert.deepEqual(scanMessage({ type: "scanThumbnails", channel: 3 }), { type: "scanThumbnails", channel: 3 });
    assert.deepEqual(scanMessage({ type: "scanExport", format: "csv" }), { type: "scanExport", format: "csv" });
    for (const bad of [null, "ready", { type: "scanThumbnails", channel: -1 }, { type: "scanThumbnails", channel: 1.5 }, { type: "scanOpen", path: 3, channel: 0 }, { type: "scanExport", format: "xlsx" }, { type: "scanReport", id: 1, report: {} }, { type: "other" }]) {
      assert.equal(scanMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
