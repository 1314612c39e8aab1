import { el } from "../common/dom";
import type { Plan } from "./plan";
import type { Tile } from "./tileStore";
import type { GridViewport } from "./viewport";

/**
 * The keyboard's place on the grid: one tile position, moved with the arrow, Page, Home and End
 * keys, drawn as a ring over the canvases and announced to screen readers, which see no tiles.
 */
export class GridFocus {
  readonly ring = el("div", { class: "grid-focus", attrs: { "aria-hidden": "true" } });
  readonly announcer = el("div", { class: "visually-hidden", attrs: { "aria-live": "polite" } });
  /** The focused tile's position in display order. */
  position = 0;
  private ringPlace = "";

  constructor(
    private readonly viewport: GridViewport,
    /** The current layer's tile at a position, if it has arrived. */
    private readonly tile: (position: number) => Tile | undefined,
    /** The focus moved: the grid repaints its ring. */
    private readonly moved: () => void,
  ) {}

  /** Handles a key on the grid; Enter and Space return the focused tile's channel, to zoom into. */
  onKey(e: KeyboardEvent, plan: Plan): number | undefined {
    if (e.altKey || e.ctrlKey || e.metaKey) return undefined;
    const { columns } = plan.layout;
    const page = Math.max(1, Math.floor(this.viewport.content().height / plan.layout.pitchY)) * columns;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -columns,
      ArrowDown: columns,
      PageUp: -page,
      PageDown: page,
      Home: -this.position,
      End: plan.count - 1 - this.position,
    };
    if (e.key in moves) {
      e.preventDefault();
      this.move(this.position + moves[e.key], plan);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      return this.tile(this.position)?.channel;
    }
    return undefined;
  }

  /** Focuses the tile at `position` (kept within the grid) and scrolls it into view. */
  move(position: number, plan: Plan): void {
    this.position = Math.max(0, Math.min(plan.count - 1, position));
    const { columns, pitchY, tile } = plan.layout;
    const top = Math.floor(this.position / columns) * pitchY;
    this.viewport.reveal(top, top + tile.height);
    const channel = this.tile(this.position)?.channel;
    this.announcer.textContent = `Tile ${this.position + 1} of ${plan.count}${channel === undefined ? "" : `, channel ${channel}`}`;
    this.moved();
  }

  /** Puts the ring on the focused tile, shown only while the grid has the keyboard focus. */
  place(plan: Plan): void {
    this.position = Math.min(this.position, Math.max(0, plan.count - 1));
    const { layout } = plan;
    const hidden = !this.viewport.focused || plan.count === 0;
    if (this.ring.hidden !== hidden) this.ring.hidden = hidden;
    const column = this.position % layout.columns;
    const row = Math.floor(this.position / layout.columns);
    const place = [column, row, layout.pitchX, layout.pitchY, layout.tile.width, layout.tile.height].join();
    if (place === this.ringPlace) return;
    this.ringPlace = place;
    this.ring.style.left = `${column * layout.pitchX}px`;
    this.ring.style.top = `${row * layout.pitchY}px`;
    this.ring.style.width = `${layout.tile.width}px`;
    this.ring.style.height = `${layout.tile.height}px`;
  }
}
