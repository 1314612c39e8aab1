/**
 * Promises by key, least recently used dropped first once the sizes add up past a bound. Two
 * callers asking for the same key while it is being made share one computation; a failure is
 * not kept, so the next call tries again.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; size: number }>();

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
    private readonly onEvict: (value: V, key: string) => void = () => undefined,
  ) {}

  get(key: string, create: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert to mark it most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = create();
    const entry = { value, size: 0 };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        entry.size = this.sizeOf(v);
        this.evict(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
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

  private evicted(key: string, value: Promise<V>): void {
    value.then((v) => this.onEvict(v, key), () => undefined);
  }

  private evict(keep: string): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.size;
    for (const [key, e] of this.entries) {
      if (total <= this.maxSize) break;
      if (key === keep || e.size === 0) continue;
      this.entries.delete(key);
      total -= e.size;
      this.evicted(key, e.value);
    }
  }
}
