import assert from "node:assert/strict";
import * as path from "path";
import { after, describe, it } from "node:test";
import { EngineClient } from "../../src/engine/run/engineClient";
import { BUILTIN_MODEL } from "../../src/engine/model/models";
import { ROOT, SAMPLE_IMAGE } from "../support/paths";

describe("the inference process", () => {
  const client = new EngineClient(path.join(ROOT, "dist", "engineProcess.js"), { provider: "auto" });
  after(() => client.stop());
  const analyze = { input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL };

  it("answers with typed arrays, not JSON arrays or Buffers", async () => {
    const result = await client.call({ op: "analyze", analyze });
    assert.deepEqual(result.model.outputShape, [9, 2]);
    assert.equal(result.model.provider.used, "cpu");
    assert.match(result.model.provider.reason ?? "", /^CUDA could not be used: /);
    assert.ok(result.image?.modelInput.rgba instanceof Uint8ClampedArray);
    const layer = await client.call({
      op: "layer",
      analyze,
      request: { layer: "features.0", start: 0, count: 16, channels: [0, 1, 2, 3], order: "index", normalize: "channel", clipPercent: 0 },
    });
    assert.equal(layer.tiles.constructor, Uint8Array);
    assert.equal(layer.tiles.byteLength, 4 * 98 * 98);
    assert.equal(layer.tiles.buffer.byteLength, layer.tiles.byteLength, "exact-size buffer");
    assert.ok(layer.low instanceof Float32Array && layer.channels instanceof Int32Array);
    const channel = await client.call({ op: "channel", analyze, layer: "features.30", channel: 5 });
    assert.ok(channel.values instanceof Float32Array);
    assert.equal(channel.values.length, 144);
  });

  it("turns engine errors into rejected calls and keeps serving", async () => {
    await assert.rejects(client.call({ op: "channel", analyze, layer: "features.0", channel: 64 }), /features\.0 has 64 channels \(0-63\); no channel 64/);
    await assert.rejects(client.call({ op: "analyze", analyze: { ...analyze, input: { image: path.join(ROOT, "package.json") } } }), /package\.json: not a PNG/);
    assert.ok(await client.call({ op: "analyze", analyze }));
  });
});

describe("a crash of the inference process", () => {
  it("fails the call in flight with the reason and restarts on the next call", async () => {
    const client = new EngineClient(path.join(ROOT, "test", "support", "crashingEngine.js"), { provider: "cpu" });
    try {
      const analyze = { input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL };
      assert.equal(await client.call({ op: "analyze", analyze }), "first");
      await assert.rejects(client.call({ op: "analyze", analyze }), /the inference process stopped \(signal SIGSEGV\)/);
      assert.equal(await client.call({ op: "analyze", analyze }), "first", "a fresh process answered");
    } finally {
      client.stop();
    }
  });
});
