import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedCache } from "../../../../src/engine/run/boundedCache";
import { errorCode } from "../../../../src/shared/errors";

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

  it("counts the newest entry too: one over the bound alone is handed out but not kept", async () => {
    const cache = new BoundedCache<number>(10, (v) => v);
    await cache.get("small", async () => 4);
    assert.equal(await cache.get("huge", async () => 11), 11);
    assert.equal(cache.size, 0, "both dropped: the older first, then the one that alone is over");
    assert.equal(await cache.get("huge", async () => 12), 12, "made again");
  });

  it("makes room before a large value is made", async () => {
    const evicted: number[] = [];
    const cache = new BoundedCache<number>(10, (v) => v, (v) => evicted.push(v));
    await cache.get("a", async () => 3);
    await cache.get("b", async () => 4);
    cache.reserve(6);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(evicted, [3], "the least recently used went, until 6 more fit");
    assert.equal(cache.size, 1);
  });

  describe("cancellation", () => {
    /** A computation that waits until released, or stops with the error its signal brings. */
    function held(): { make: (signal: AbortSignal) => Promise<number>; release: (v: number) => void; aborted: () => boolean } {
      let release: (v: number) => void = () => undefined;
      let seen: AbortSignal | undefined;
      const make = (signal: AbortSignal): Promise<number> => {
        seen = signal;
        return new Promise<number>((resolve, reject) => {
          release = resolve;
          signal.addEventListener("abort", () => reject(new Error("stopped")));
        });
      };
      return { make, release: (v) => release(v), aborted: () => seen?.aborted === true };
    }

    it("stops waiting at once for the caller that cancels, and stops the work when nobody waits", async () => {
      const cache = new BoundedCache<number>(10, () => 1);
      const work = held();
      const caller = new AbortController();
      const waiting = cache.get("k", work.make, caller.signal);
      caller.abort();
      await assert.rejects(waiting, (e: unknown) => errorCode(e) === "CANCELLED");
      assert.equal(work.aborted(), true, "the computation was told to stop");
      assert.equal(await cache.get("k", async () => 5), 5, "a stopped computation is not kept");
    });

    it("starts anew for a caller that asks right after the only waiter cancelled, before the work has stopped", async () => {
      const cache = new BoundedCache<number>(10, () => 1);
      // Work that ignores its signal, as one between two safe points does.
      let finish: (v: number) => void = () => undefined;
      const slow = (): Promise<number> => new Promise<number>((resolve) => (finish = resolve));
      const caller = new AbortController();
      const first = cache.get("k", slow, caller.signal);
      caller.abort();
      await assert.rejects(first, (e: unknown) => errorCode(e) === "CANCELLED");
      const again = cache.get("k", async () => 7, new AbortController().signal);
      finish(1);
      assert.equal(await again, 7, "the second caller got its own computation");
    });

    for (const other of ["a caller with a signal of its own", "a caller without a signal"] as const) {
      it(`keeps the work going while ${other} waits for it`, async () => {
        const cache = new BoundedCache<number>(10, () => 1);
        const work = held();
        const leaving = new AbortController();
        const staying = cache.get("k", work.make, other === "a caller without a signal" ? undefined : new AbortController().signal);
        const cancelled = cache.get("k", work.make, leaving.signal);
        leaving.abort();
        await assert.rejects(cancelled, (e: unknown) => errorCode(e) === "CANCELLED");
        assert.equal(work.aborted(), false);
        work.release(9);
        assert.equal(await staying, 9);
      });
    }
  });
});
