import assert from "node:assert/strict";
import * as path from "path";
import { after, describe, it } from "node:test";
import { EngineClient } from "../../../../src/engine/run/engineClient";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import { errorCode } from "../../../../src/shared/errors";
import { hasNvidiaGpu } from "../../../../src/engine/gpu/detect";
import { hasCode } from "../../../support/errors";
import { ENGINE_PROCESS, FIXTURES, ROOT, SAMPLE_IMAGE } from "../../../support/paths";

const analyze = { input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL };

/** Whether the process has ended within a second or two (a killed child is reaped a moment later). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe("the inference process", () => {
  const client = new EngineClient(ENGINE_PROCESS, { provider: "auto" });
  after(() => client.stop());

  it("answers with typed arrays, not JSON arrays or Buffers", async () => {
    const result = await client.call("analyze", { analyze });
    assert.deepEqual(result.model.outputShape, [9, 2]);
    assert.equal(result.model.provider.used, "cpu");
    // Without an NVIDIA GPU the CPU is expected under auto: the reason is quiet.
    assert.match(result.model.provider.reason ?? "", hasNvidiaGpu() ? /^CUDA could not be used: / : /^No NVIDIA GPU was found/);
    assert.equal(result.model.provider.quiet, hasNvidiaGpu() ? undefined : true);
    assert.ok(result.image?.modelInput.rgba instanceof Uint8ClampedArray);
    const layer = await client.call("layer", {
      analyze,
      request: { layer: "features.0", start: 0, count: 16, channels: [0, 1, 2, 3], order: "index", normalize: "channel", clipPercent: 0 },
    });
    assert.equal(layer.tiles.constructor, Uint8Array);
    assert.equal(layer.tiles.byteLength, 4 * 98 * 98);
    assert.equal(layer.tiles.buffer.byteLength, layer.tiles.byteLength, "exact-size buffer");
    assert.ok(layer.low instanceof Float32Array && layer.channels instanceof Int32Array);
    const channel = await client.call("channel", { analyze, layer: "features.30", channel: 5 });
    assert.ok(channel.values instanceof Float32Array);
    assert.equal(channel.values.length, 144);
  });

  it("brings each engine error's code and message across the process boundary, and keeps serving", async () => {
    await assert.rejects(client.call("channel", { analyze, layer: "features.0", channel: 64 }), hasCode("CHANNEL_UNKNOWN", /features\.0 has 64 channels \(0-63\); no channel 64/));
    await assert.rejects(client.call("npy", { analyze, layer: "features.99" }), hasCode("LAYER_UNKNOWN", /no layer "features\.99"/));
    await assert.rejects(client.call("analyze", { analyze: { ...analyze, input: { image: path.join(ROOT, "package.json") } } }), hasCode("IMAGE_UNREADABLE", /package\.json: not a PNG/));
    await assert.rejects(client.call("analyze", { analyze: { ...analyze, input: { image: path.join(FIXTURES, "missing.png") } } }), hasCode("IMAGE_UNREADABLE", /does not exist/));
    await assert.rejects(client.call("analyze", { analyze: { ...analyze, preprocessing: { std: [0, 1, 1] } } }), hasCode("CONFIG_INVALID", /std must not contain 0/));
    assert.ok(await client.call("analyze", { analyze }));
  });

  it("stops a cancelled call at its next safe point: the model does not run for it", async () => {
    // Sizes this process has not run yet, so each analysis is computed anew. The first keeps
    // the process busy in a run (which holds its thread) while the second is sent and cancelled.
    const busy = { ...analyze, preprocessing: { height: 320, width: 320 } };
    const fresh = { ...analyze, preprocessing: { height: 160, width: 160 } };
    const before = await client.call("status", {});
    const busyWork = client.call("analyze", { analyze: busy });
    const controller = new AbortController();
    const call = client.call("analyze", { analyze: fresh }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(call, (e: unknown) => errorCode(e) === "CANCELLED");
    await busyWork;
    // The caller's wait ends at once; the work it started stops at its next safe point, which
    // lets waiting messages (this status) in first. So ask until that work has left the cache, for
    // at most 2 s: a kept result would stay.
    let after = await client.call("status", {});
    for (let i = 0; i < 40 && after.analyses !== before.analyses + 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await client.call("status", {});
    }
    assert.equal(after.cancelled, before.cancelled + 1, "the process saw the cancel");
    assert.equal(after.runs, before.runs + 1, "and ran the model only for the other call");
    assert.equal(after.analyses, before.analyses + 1, "and kept no result for the cancelled one");
    const done = await client.call("analyze", { analyze: fresh });
    assert.deepEqual(done.model.layers[0].shape, [1, 64, 158, 158]);
    assert.equal((await client.call("status", {})).runs, before.runs + 2);
  });
});

describe("a crash of the inference process", () => {
  it("fails the call in flight with ENGINE_CRASHED and restarts on the next call", async () => {
    const client = new EngineClient(path.join(ROOT, "test", "support", "crashingEngine.js"), { provider: "cpu" });
    try {
      assert.equal(await client.call("analyze", { analyze }), "first");
      await assert.rejects(client.call("analyze", { analyze }), hasCode("ENGINE_CRASHED", /the inference process stopped \(signal SIGSEGV\)/));
      assert.equal(await client.call("analyze", { analyze }), "first", "a fresh process answered");
    } finally {
      client.stop();
    }
  });
});

describe("a wedged inference process", () => {
  it("fails its callers with TIMEOUT, is killed, and the next call gets a fresh process", async () => {
    const client = new EngineClient(path.join(ROOT, "test", "support", "hangingEngine.js"), { provider: "cpu" }, undefined, { timeoutMs: 300 });
    try {
      const { pid } = await client.call("status", {});
      const waiting = [client.call("analyze", { analyze }), client.call("analyze", { analyze })];
      for (const call of waiting) await assert.rejects(call, hasCode("TIMEOUT", /no answer within/));
      assert.ok(await gone(pid), "the wedged process is gone");
      const fresh = await client.call("status", {});
      assert.notEqual(fresh.pid, pid);
    } finally {
      client.stop();
    }
  });
});

describe("an idle inference process holding more than it should", () => {
  it("is replaced, so its memory goes back to the system", async () => {
    const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu" }, undefined, { timeoutMs: 60_000, recycle: { idleMs: 200, rssBytes: 1 } });
    try {
      const { pid } = await client.call("status", {});
      await client.call("analyze", { analyze });
      await new Promise((r) => setTimeout(r, 800));
      assert.ok(await gone(pid), "the process was recycled");
      assert.notEqual((await client.call("status", {})).pid, pid);
    } finally {
      client.stop();
    }
  });

  it("is kept while it stays under the bound", async () => {
    const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu" }, undefined, { timeoutMs: 60_000, recycle: { idleMs: 200, rssBytes: 8 * 1024 ** 3 } });
    try {
      const { pid } = await client.call("status", {});
      await client.call("analyze", { analyze });
      await new Promise((r) => setTimeout(r, 800));
      assert.equal((await client.call("status", {})).pid, pid);
    } finally {
      client.stop();
    }
  });
});
