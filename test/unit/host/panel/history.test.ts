import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NavHistory } from "../../../../src/host/panel/history";

describe("a panel's history", () => {
  it("goes back and forward; a new image drops what lay ahead, as in a browser", () => {
    const h = new NavHistory(10);
    for (const image of ["a", "b", "c"]) h.visit(image);
    assert.equal(h.back(), "b");
    assert.equal(h.back(), "a");
    assert.equal(h.back(), undefined, "stops at the first");
    assert.equal(h.forward(), "b");
    h.visit("d");
    assert.equal(h.canForward, false, "c is gone");
    assert.equal(h.back(), "b");
    assert.equal(h.back(), "a");
  });

  it("ignores the image shown now shown again, and keeps only the newest `max`", () => {
    const h = new NavHistory(3);
    for (const image of ["a", "a", "b", "c", "d", "e"]) h.visit(image);
    assert.equal(h.back(), "d");
    assert.equal(h.back(), "c");
    assert.equal(h.canBack, false, "a and b fell off the end");
  });

  it("stays bounded under many visits", () => {
    const h = new NavHistory(100);
    for (let i = 0; i < 100_000; i++) h.visit(String(i));
    let steps = 0;
    while (h.back() !== undefined) steps++;
    assert.equal(steps, 99);
  });
});
