import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { EngineClient } from "../../../../src/engine/run/engineClient";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import { hasCode } from "../../../support/errors";
import { within } from "../../../support/hostileFiles";
import { ENGINE_PROCESS } from "../../../support/paths";
import { generateScanFolder } from "../../../support/scanFolder";

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-rpc-"));
  await generateScanFolder(dir, 60, 5);
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("the inference process's scan", () => {
  const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu" });
  after(() => client.stop());
  const scan = { folder: dir, model: BUILTIN_MODEL, layer: "features.7", top: 3, maxImages: 100, batch: 8 };

  it("sends progress up to done = total and answers with the result", async () => {
    const seen: number[] = [];
    const result = await client.call("scan", { scan: { ...scan, folder: dir } }, { onProgress: (done, total) => seen.push(done / total) });
    assert.equal(result.scanned, 60);
    assert.equal(seen.at(-1), 1);
    assert.ok(seen.length >= 60 / 8, `progress per batch (${seen.length} messages)`);
    assert.equal(result.channels[0].topByMax.length, 3);
  });

  it("stops within 1 s of a cancel, and keeps serving", async () => {
    const controller = new AbortController();
    let cancelledAt = 0;
    const call = client.call("scan", { scan: { ...scan, folder: dir } }, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 16 && cancelledAt === 0) {
          cancelledAt = performance.now();
          controller.abort();
        }
      },
    });
    await assert.rejects(within(10_000, call), hasCode("CANCELLED", /cancel/));
    // The caller hears at once; the inference process counts the call as cancelled once its scan
    // has stopped, which must also be within 1 s.
    let stopped = false;
    while (!stopped && performance.now() - cancelledAt < 1000) stopped = (await client.call("status", {})).cancelled >= 1;
    assert.ok(stopped, "the inference process stopped the scan within 1 s");
    assert.equal((await client.call("scan", { scan: { ...scan, folder: dir, top: 1 } })).scanned, 60);
  });
});
