import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecentSessions } from "../../../../src/engine/explain/recentSessions";

class Fake {
  released = false;
  constructor(readonly name: string) {}
  async release(): Promise<void> {
    this.released = true;
  }
}

describe("RecentSessions", () => {
  it("keeps the most recently used few and releases the one pushed out", async () => {
    const cache = new RecentSessions<Fake>(2);
    const a = await cache.get("a", async () => new Fake("a"));
    const b = await cache.get("b", async () => new Fake("b"));
    assert.equal(await cache.get("a", async () => new Fake("a again")), a, "a is reused, and now the most recent");
    const c = await cache.get("c", async () => new Fake("c"));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([a.released, b.released, c.released], [false, true, false]);
    await cache.release();
    assert.ok(a.released && c.released);
  });

  it("does not keep a session that failed to open", async () => {
    const cache = new RecentSessions<Fake>(2);
    await assert.rejects(cache.get("a", async () => Promise.reject(new Error("no"))));
    await new Promise((r) => setImmediate(r));
    assert.equal((await cache.get("a", async () => new Fake("a"))).name, "a");
  });
});
