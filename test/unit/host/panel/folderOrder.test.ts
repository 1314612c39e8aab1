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
});
