/**
 * A least-recently-used map holding at most `capacity` in total weight (by default, entries).
 * Map keeps insertion order, so re-inserting marks an entry as fresh.
 */
export class Lru<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly weight: number }>();
  private weight = 0;

  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** The summed weight of the entries. */
  get total(): number {
    return this.weight;
  }

  get(key: K): V | undefined {
    const v = this.peek(key);
    if (v !== undefined) this.set(key, v);
    return v;
  }

  /** Like get, without marking the entry as fresh. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /**
   * Adds or refreshes an entry, weighing it anew (a value may have grown since it was set). The
   * oldest entries go until the rest fit; the one just set always stays.
   */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const old of this.entries.keys()) {
      if (this.weight <= this.capacity || old === key) break;
      this.delete(old);
    }
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  private delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }
}
