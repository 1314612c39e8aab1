/**
 * The few sessions an explainer used last, by key. Each holds its own copy of the model's weights
 * (initializers), so a user stepping through many layers or outputs must not keep one per layer:
 * opening one more releases the oldest. Runs are one at a time in the engine, so an evicted
 * session is never in use.
 */
export class RecentSessions<T extends { release(): Promise<void> }> {
  private readonly open = new Map<string, Promise<T>>();

  constructor(private readonly keep: number) {}

  get(key: string, make: () => Promise<T>): Promise<T> {
    let s = this.open.get(key);
    if (s) {
      this.open.delete(key);
    } else {
      s = make();
      // A failed open is not kept: the next request tries again.
      s.catch(() => this.open.get(key) === s && this.open.delete(key));
    }
    this.open.set(key, s);
    for (const [old, session] of this.open) {
      if (this.open.size <= this.keep) break;
      this.open.delete(old);
      void session.then((x) => x.release(), () => undefined);
    }
    return s;
  }

  async release(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release(), () => undefined)));
  }
}
