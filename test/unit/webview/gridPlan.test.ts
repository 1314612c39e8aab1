import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_NON_FINITE } from "../../../src/shared/nonFinite";
import type { LayerInfo, LayerReply } from "../../../src/shared/protocol";
import { type GridSettings, dataKey, nearestFirst, planGrid, replyBytes, windowFetch } from "../../../webview-ui/grid/plan";
import { Lru } from "../../../webview-ui/common/lru";
import { TileStore } from "../../../webview-ui/grid/tileStore";

function layer(id: string, shape: number[]): LayerInfo {
  return { id, name: id, op: "Conv", kind: "conv", shape };
}

function settings(change: Partial<GridSettings> = {}): GridSettings {
  return {
    layer: layer("features.30", [1, 512, 12, 12]),
    view: "all",
    normalize: "channel",
    clipPercent: 0,
    order: "index",
    colormap: "viridis",
    tileSize: 128,
    generation: 1,
    ...change,
  };
}

/** A reply holding `count` tiles of a 12x12 layer, from channel `first` on, with the given mask if any. */
function reply(count: number, first = 0, nonFinite?: Uint8Array): LayerReply {
  return {
    layer: "features.30",
    shape: [1, 512, 12, 12],
    totalChannels: 512,
    height: 12,
    width: 12,
    channels: Int32Array.from({ length: count }, (_, i) => first + i),
    tiles: Uint8Array.from({ length: count * 144 }, (_, i) => i % 251),
    low: new Float32Array(count),
    high: new Float32Array(count),
    ...(nonFinite ? { nonFinite } : {}),
    stats: { min: 0, max: 1, mean: 0, std: 0, zeros: 0, finite: count * 144, nonFinite: NO_NON_FINITE, channels: 512, deadChannels: 0 },
  };
}

describe("prefetch order", () => {
  it("goes outwards from the current layer, the next one down before the one up", () => {
    assert.deepEqual(nearestFirst(["a", "b", "c", "d", "e", "f"], 2), ["d", "b", "e", "a", "f"]);
  });

  it("covers the whole list from either end, and from nowhere", () => {
    assert.deepEqual(nearestFirst(["a", "b", "c"], 0), ["b", "c"]);
    assert.deepEqual(nearestFirst(["a", "b", "c"], 2), ["b", "a"]);
    assert.deepEqual(nearestFirst(["a", "b", "c"], -1), ["a", "b", "c"]);
    assert.deepEqual(nearestFirst(["a"], 0), []);
  });
});

describe("grid plan", () => {
  const view = { top: -10, width: 1200, height: 800 };

  it("keys tiles by what the host computes them from, not by how they are painted", () => {
    assert.equal(dataKey(settings({ colormap: "magma", tileSize: 64 })), dataKey(settings()));
    assert.notEqual(dataKey(settings({ clipPercent: 1 })), dataKey(settings()));
    assert.notEqual(dataKey(settings({ generation: 2 })), dataKey(settings()));
    // The notebook figure is a fixed set of channels: the order does not change it.
    assert.equal(dataKey(settings({ view: "notebook", order: "max" })), dataKey(settings({ view: "notebook" })));
  });

  it("asks for the whole seed figure at once, and nothing once it is held", () => {
    const s = settings({ view: "notebook", layer: layer("features.0", [1, 64, 98, 98]) });
    const plan = planGrid(s, view.width);
    const store = new TileStore(dataKey(s));
    const range = windowFetch(plan, view, store);
    assert.deepEqual(range, { start: 0, end: 16 });
    assert.equal(range && replyBytes(plan, range), 16 * 98 * 98);
    store.add(0, reply(16));
    assert.equal(windowFetch(plan, view, store), undefined);
  });

  it("asks for a small layer's every tile from the top of the all view, then only what scrolling lacks", () => {
    const s = settings();
    const plan = planGrid(s, view.width);
    const store = new TileStore(dataKey(s));
    assert.deepEqual(windowFetch(plan, view, store), { start: 0, end: 512 });
    store.add(0, reply(100));
    assert.equal(windowFetch(plan, view, store), undefined, "the top window is held");
    const bottom = { ...view, top: plan.rows * plan.layout.pitchY - view.height };
    assert.deepEqual(windowFetch(plan, bottom, store), { start: 100, end: 512 });
  });
});

describe("tile store", () => {
  it("keeps each tile's part of its reply's mask beside its bytes, and weighs the masks too", () => {
    const store = new TileStore("k");
    store.add(0, reply(2));
    const mask = Uint8Array.from({ length: 2 * 144 }, (_, i) => (i % 50 === 7 ? 1 + (i % 3) : 0));
    store.add(2, reply(2, 2, mask));
    assert.equal(store.get(1)?.mask, undefined, "a reply without non-finite values has no mask");
    assert.deepEqual(store.get(2)?.mask, mask.subarray(0, 144));
    assert.deepEqual(store.get(3)?.mask, mask.subarray(144));
    assert.deepEqual(store.get(3)?.bytes, reply(2).tiles.subarray(144));
    assert.equal(store.get(3)?.channel, 3);
    assert.equal(store.bytes, 4 * 144 + mask.byteLength);
  });
});

describe("weighted LRU", () => {
  const sized = (capacity: number): Lru<string, { size: number }> => new Lru(capacity, (v) => v.size);

  it("drops the least recently used entries until the rest fit", () => {
    const lru = sized(10);
    lru.set("a", { size: 4 });
    lru.set("b", { size: 4 });
    lru.get("a");
    lru.set("c", { size: 4 });
    assert.equal(lru.peek("b"), undefined);
    assert.deepEqual([lru.peek("a"), lru.peek("c")], [{ size: 4 }, { size: 4 }]);
    assert.equal(lru.total, 8);
  });

  it("weighs an entry anew when it is set again, and keeps the one just set even when it alone is too heavy", () => {
    const lru = sized(10);
    const grows = { size: 2 };
    lru.set("a", { size: 3 });
    lru.set("b", grows);
    grows.size = 12;
    lru.set("b", grows);
    assert.equal(lru.peek("a"), undefined);
    assert.equal(lru.peek("b"), grows);
    assert.equal(lru.total, 12);
  });

  it("peeks without refreshing, and counts entries when given no weight", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    lru.peek("a");
    lru.set("c", 3);
    assert.equal(lru.peek("a"), undefined);
    assert.equal(lru.total, 2);
    lru.clear();
    assert.equal(lru.total, 0);
  });
});
