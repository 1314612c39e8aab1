import { el } from "../common/dom";
import type { GridLayout } from "../common/tileGeometry";
import type { Tile } from "./tileStore";

/** Channel numbers would cover small tiles entirely. */
const MIN_LABELLED_TILE = 48;

/**
 * Channel numbers over the tiles, as DOM rather than pixels (the picture must hold only tile
 * colours), kept per position so scrolling touches only the rows coming into view.
 */
export class GridLabels {
  readonly element = el("div", { class: "grid-labels", attrs: { "aria-hidden": "true" } });
  private readonly spans = new Map<number, HTMLElement>();
  private layoutKey = "";

  show(layout: GridLayout, firstRow: number, tiles: readonly (Tile | undefined)[]): void {
    const key = `${layout.columns}|${layout.pitchX}|${layout.pitchY}`;
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.element.replaceChildren();
      this.spans.clear();
    }
    const wanted = new Map<number, number>();
    if (layout.tile.width >= MIN_LABELLED_TILE && layout.tile.height >= MIN_LABELLED_TILE) {
      const firstPosition = firstRow * layout.columns;
      tiles.forEach((tile, i) => tile && wanted.set(firstPosition + i, tile.channel));
    }
    for (const [position, span] of this.spans) {
      if (!wanted.has(position)) {
        span.remove();
        this.spans.delete(position);
      }
    }
    for (const [position, channel] of wanted) {
      let span = this.spans.get(position);
      if (!span) {
        span = el("span", { class: "grid-label" });
        span.style.left = `${(position % layout.columns) * layout.pitchX}px`;
        span.style.top = `${Math.floor(position / layout.columns) * layout.pitchY}px`;
        this.element.append(span);
        this.spans.set(position, span);
      }
      const text = String(channel);
      if (span.textContent !== text) span.textContent = text;
    }
  }
}
