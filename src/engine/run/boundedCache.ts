import { cancelled } from "../../shared/errors";

interface Entry<V> {
  readonly value: Promise<V>;
  size: number;
  /** Callers still waiting for the value while it is being made. */
  waiters: number;
  /** A caller that cannot cancel waits for it: it runs to the end. */
  kept: boolean;
  settled: boolean;
  readonly controller: AbortController;
}

/**
 * Promises by key, least recently used dropped first once the sizes add up past a bound. Two
 * callers asking for the same key while it is being made share one computation; a failure is
 * not kept, so the next call tries again. A caller that cancels stops waiting at once; the
 * computation itself is cancelled only when no caller waits for it any more.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
    private readonly onEvict: (value: V, key: string) => void = () => undefined,
  ) {}

  get(key: string, create: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted) return Promise.reject(cancelled());
    let entry = this.entries.get(key);
    if (entry) {
      // Re-insert to mark it most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = this.start(key, create);
    }
    if (!signal) entry.kept = true;
    return entry.settled || !signal ? entry.value : this.wait(key, entry, signal);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Whether `size` more fits beside everything held, without dropping anything. */
  fits(size: number): boolean {
    return this.total() + size <= this.maxSize;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.dropWhere(() => true);
  }

  /** Drops the entries whose keys pass the test, as if evicted. */
  dropWhere(test: (key: string) => boolean): void {
    for (const [key, e] of [...this.entries]) {
      if (!test(key)) continue;
      this.entries.delete(key);
      this.evicted(key, e.value);
    }
  }

  private start(key: string, create: (signal: AbortSignal) => Promise<V>): Entry<V> {
    const controller = new AbortController();
    const entry: Entry<V> = { value: create(controller.signal), size: 0, waiters: 0, kept: false, settled: false, controller };
    this.entries.set(key, entry);
    entry.value.then(
      (v) => {
        entry.settled = true;
        entry.size = this.sizeOf(v);
        this.evict(key);
      },
      () => {
        entry.settled = true;
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry;
  }

  private wait(key: string, entry: Entry<V>, signal: AbortSignal): Promise<V> {
    entry.waiters++;
    return new Promise<V>((resolve, reject) => {
      const leave = (): void => {
        signal.removeEventListener("abort", onAbort);
        entry.waiters--;
      };
      const onAbort = (): void => {
        leave();
        if (entry.waiters === 0 && !entry.kept && !entry.settled) {
          entry.controller.abort();
          // It stops only at its next safe point: a caller asking meanwhile must start anew, not
          // join a computation that will end in CANCELLED (a cancelled prefetch asked for by the user).
          if (this.entries.get(key) === entry) this.entries.delete(key);
        }
        reject(cancelled());
      };
      signal.addEventListener("abort", onAbort);
      entry.value.then(
        (v) => {
          leave();
          resolve(v);
        },
        (e: unknown) => {
          leave();
          reject(e);
        },
      );
    });
  }

  private evicted(key: string, value: Promise<V>): void {
    value.then((v) => this.onEvict(v, key), () => undefined);
  }

  /**
   * Drops the least recently used entries until `size` more fits: called before making a large
   * value, so the old ones are gone before the new one takes their memory.
   */
  reserve(size: number): void {
    this.shrinkTo(this.maxSize - size);
  }

  private total(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.size;
    return total;
  }

  /** Older entries go first; the newest too when it alone is over the bound (its caller still has it). */
  private evict(newest: string): void {
    this.shrinkTo(this.maxSize, newest);
    if (this.total() > this.maxSize) this.shrinkTo(this.maxSize);
  }

  private shrinkTo(bound: number, spare?: string): void {
    let total = this.total();
    for (const [key, e] of this.entries) {
      if (total <= bound) break;
      if (key === spare || !e.settled) continue;
      this.entries.delete(key);
      total -= e.size;
      this.evicted(key, e.value);
    }
  }
}
