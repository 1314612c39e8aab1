/**
 * A panel's images in the order it showed them, with a cursor: back and forward move the cursor,
 * a new image drops what lay ahead of it (as a browser does). Bounded: the oldest go first.
 */
export class NavHistory {
  private items: string[] = [];
  private at = -1;

  constructor(private readonly max: number) {}

  /** The panel shows `item` now; showing the current one again changes nothing. */
  visit(item: string): void {
    if (this.items[this.at] === item) return;
    this.items = [...this.items.slice(0, this.at + 1), item].slice(-this.max);
    this.at = this.items.length - 1;
  }

  get canBack(): boolean {
    return this.at > 0;
  }

  get canForward(): boolean {
    return this.at < this.items.length - 1;
  }

  back(): string | undefined {
    if (!this.canBack) return undefined;
    return this.items[--this.at];
  }

  forward(): string | undefined {
    if (!this.canForward) return undefined;
    return this.items[++this.at];
  }
}
