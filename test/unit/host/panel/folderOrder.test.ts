import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explorerOrder, neighbour } from "../../../../src/host/panel/folderOrder";

describe("a folder's images in the Explorer's order", () => {
  it("sorts numbers by value and ignores case, as the Explorer's default sort", () => {
    assert.deepEqual(explorerOrder(["img10.png", "img2.png", "Img1.png", "b.jpg", "A.png"]), ["A.png", "b.jpg", "Img1.png", "img2.png", "img10.png"]);
  });

  it("steps to the next and previous name and stops at the ends", () => {
    const sorted = ["a.png", "b.png", "c.png"];
    assert.equal(neighbour(sorted, "b.png", 1), "c.png");
    assert.equal(neighbour(sorted, "b.png", -1), "a.png");
    assert.equal(neighbour(sorted, "c.png", 1), undefined);
    assert.equal(neighbour(sorted, "a.png", -1), undefined);
    assert.equal(neighbour(sorted, "gone.png", 1), undefined);
  });

  it("orders a folder of 100,000 images within 2 s and 200 MB more heap (a hostile folder)", () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `frame ${(i * 7919) % 100_000}${"x".repeat(i % 50)}.png`);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const sorted = explorerOrder(names);
    const ms = Date.now() - started;
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024, "heap");
    assert.equal(sorted[0], "frame 0.png");
    assert.equal(neighbour(sorted, sorted[50_000], 1), sorted[50_001]);
  });
});
