import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedCache } from "../../src/engine/run/boundedCache";
import { readNpy, writeNpy } from "../../src/engine/formats/npy";
import { moduleOfNode } from "../../src/engine/model/pytorchNames";
import { rankChannels, statsOf, summarize } from "../../src/engine/analysis/stats";
import { toBytes, valueRange } from "../../src/shared/normalize";
import { notebookChannels } from "../../src/shared/presets";
import { validateMessage } from "../../src/host/validateMessage";
import { hintFor } from "../../src/host/errorHints";

describe("npy", () => {
  it("writes a float32 array numpy reads back with its shape (and so do we)", () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i - 3.5);
    const bytes = writeNpy(data, [1, 2, 3, 4]);
    assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "data is 64-byte aligned");
    const back = readNpy(bytes, "a.npy");
    assert.deepEqual(back.shape, [1, 2, 3, 4]);
    assert.equal(back.dtype, "float32");
    assert.deepEqual(back.data, data);
  });

  it("refuses what it cannot read, naming the file", () => {
    assert.throws(() => readNpy(new Uint8Array(20), "x.npy"), /x\.npy: not a readable \.npy file: no NUMPY magic/);
  });
});

describe("normalize", () => {
  it("bins like matplotlib: floor(t * 256), the maximum in bin 255", () => {
    const out = new Uint8Array(5);
    toBytes(Float32Array.from([0, 0.25, 0.5, 0.999, 1]), { low: 0, high: 1 }, out);
    assert.deepEqual([...out], [0, 64, 128, 255, 255]);
  });

  it("maps a flat tile to 0 like imshow of a constant image", () => {
    const out = new Uint8Array(3).fill(9);
    toBytes(Float32Array.from([2, 2, 2]), { low: 2, high: 2 }, out);
    assert.deepEqual([...out], [0, 0, 0]);
  });

  it("clips at percentiles", () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(valueRange(values, 0), { low: 0, high: 100 });
    assert.deepEqual(valueRange(values, 1), { low: 1, high: 99 });
  });
});

describe("statistics", () => {
  it("computes min, max, mean, population std and the share of zeros", () => {
    const s = statsOf(Float32Array.from([0, 0, 2, 6]));
    assert.deepEqual(s, { min: 0, max: 6, mean: 2, std: Math.sqrt((4 + 4 + 0 + 16) / 4), zeros: 0.5 });
  });

  it("pools the channels' statistics into the layer's, equal to one pass over the layer", () => {
    const data = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => Math.sin(i * 1.7) * (i % 4) + (i % 3 === 0 ? 0 : 0.25));
    const layer = summarize({ shape: [1, 3, 5, 7], data }).layer;
    const direct = statsOf(data);
    for (const key of ["min", "max"] as const) assert.equal(layer[key], direct[key], key);
    for (const key of ["mean", "std", "zeros"] as const) assert.ok(Math.abs(layer[key] - direct[key]) < 1e-12, `${key}: ${layer[key]} vs ${direct[key]}`);
  });

  it("counts dead channels and ranks channels top-first", () => {
    const data = Float32Array.from([0, 0, -1, 0, 1, 3, 5, -4]);
    const summary = summarize({ shape: [1, 4, 1, 2], data });
    assert.equal(summary.layer.deadChannels, 2);
    assert.deepEqual(rankChannels(summary.channels, "mean"), [2, 3, 0, 1]);
    assert.deepEqual(rankChannels(summary.channels, "max"), [3, 2, 0, 1]);
  });
});

describe("the notebook preset", () => {
  it("is channels row*10+column for a 4x4 grid", () => {
    assert.deepEqual(notebookChannels(64), [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]);
  });
  it("falls back to the first channels on thin layers", () => {
    assert.deepEqual(notebookChannels(8), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe("PyTorch export names", () => {
  it("maps node scopes to module names", () => {
    assert.equal(moduleOfNode("/features/features.30/Relu"), "features.30");
    assert.equal(moduleOfNode("/layer1/layer1.0/conv1/Conv"), "layer1.0.conv1");
    assert.equal(moduleOfNode("/Flatten"), undefined);
    assert.equal(moduleOfNode("Conv_12"), undefined);
  });
});

describe("BoundedCache", () => {
  it("computes a key once for concurrent callers and retries after a failure", async () => {
    const cache = new BoundedCache<number>(100, () => 1);
    let calls = 0;
    const make = () => new Promise<number>((r) => setTimeout(() => r(++calls), 5));
    const [a, b] = await Promise.all([cache.get("k", make), cache.get("k", make)]);
    assert.equal(a, 1);
    assert.equal(b, 1);
    await assert.rejects(cache.get("bad", () => Promise.reject(new Error("x"))));
    assert.equal(await cache.get("bad", () => Promise.resolve(7)), 7);
  });

  it("drops the least recently used entries past its bound", async () => {
    const evicted: number[] = [];
    const cache = new BoundedCache<number>(2, () => 1, (v) => evicted.push(v));
    await cache.get("a", async () => 1);
    await cache.get("b", async () => 2);
    await cache.get("a", async () => -1);
    await cache.get("c", async () => 3);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(evicted, [2]);
    assert.equal(await cache.get("a", async () => -1), 1, "a was kept");
    assert.equal(await cache.get("b", async () => 20), 20, "b was dropped, so it is made again");
  });

  it("drops chosen entries as if evicted, telling the key", async () => {
    const evicted: string[] = [];
    const cache = new BoundedCache<number>(10, () => 1, (v, key) => evicted.push(`${key}=${v}`));
    for (const [key, v] of [["m1/x", 1], ["m2/x", 2], ["m1/y", 3]] as const) await cache.get(key, async () => v);
    cache.dropWhere((key) => key.startsWith("m1/"));
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(evicted, ["m1/x=1", "m1/y=3"]);
    assert.equal(await cache.get("m2/x", async () => -1), 2, "the others stay");
  });
});

describe("validateMessage", () => {
  const good = { layer: "features.0", start: 0, count: 16, order: "index", normalize: "channel", clipPercent: 0 };

  it("accepts a well-formed layer request", () => {
    assert.ok("message" in validateMessage({ type: "getLayer", id: 3, request: good, shown: true }));
  });

  it("turns every malformed field into an error that keeps the id for the reply", () => {
    for (const request of [
      { ...good, count: 0 },
      { ...good, count: 1e6 },
      { ...good, normalize: "weird" },
      { ...good, clipPercent: 60 },
      { ...good, layer: "" },
      { ...good, channels: [1, -1] },
      { ...good, order: 5 },
    ]) {
      const r = validateMessage({ type: "getLayer", id: 4, request, shown: false });
      assert.ok("error" in r && r.id === 4, JSON.stringify(request));
    }
    assert.ok("error" in validateMessage({ type: "getLayer", id: 4, request: good, shown: "yes" }));
    assert.ok("error" in validateMessage(null));
    assert.ok("error" in validateMessage({ type: "rm -rf" }));
    assert.ok("error" in validateMessage({ type: "getChannel", id: 1, layer: "x", channel: 1.5 }));
  });
});

describe("error hints", () => {
  it("point at the setting to change", () => {
    assert.match(hintFor("x.png: 9000x9000 is 81.0 megapixels, above the limit of 64"), /maxMegapixels/);
    assert.match(hintFor("m.onnx: has no 4-D float tensors, so there are no feature maps to show"), /featureMaps\.model/);
  });
});
