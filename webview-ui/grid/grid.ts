import "./grid.css";
import type { GridLayoutInfo, GridView, LayerInfo, LayerStats, LayerTiles, Picture } from "../../src/shared/protocol";
import type { HoverPoint } from "../chrome/tooltip";
import { codicon, el } from "../common/dom";
import type { Requests } from "../requests";
import { GridData } from "./data";
import { GridFocus } from "./focus";
import { GridPicture } from "./picture";
import { type GridSettings, type Plan, bandRows, planGrid, rowRange, windowRows } from "./plan";
import { GridViewport } from "./viewport";

export interface ActiveTile {
  readonly channel: number;
  readonly low: number;
  readonly high: number;
}

export interface GridEvents {
  painted(layer: string, channels: number[], tiles: number, view: GridView): void;
  stats(stats: LayerStats | undefined): void;
  /** The tile the colorbar describes: hovered, else focused, else the first one shown. */
  active(tile: ActiveTile | undefined): void;
  hover(point: HoverPoint | undefined): void;
  zoom(channel: number): void;
  scrolled(scrollTop: number): void;
}

/**
 * The channel grid: canvases covering only the rows in view (the "all" view of a 2048-channel
 * layer never holds more than a few screenfuls of tiles), labels and focus ring as DOM on top.
 * Tiles stay cached per layer and settings, and while the user is idle the layers next to the
 * current one are fetched in the background, so stepping through the layer list paints at once.
 */
export class Grid {
  readonly element: HTMLElement;
  private readonly viewport: GridViewport;
  private readonly picture = new GridPicture();
  private readonly focus: GridFocus;
  private readonly data: GridData;
  private readonly progress = el("vscode-progress-bar", { class: "grid-progress", attrs: { indeterminate: "" } });
  private readonly message = el("div", { class: "grid-message", attrs: { role: "alert" } });
  private frame = 0;
  private hovered: number | undefined;
  private reportedActive = "";

  constructor(
    requests: Requests,
    /** The layers in the order of the layer list: prefetching goes to the nearest first. */
    layerOrder: () => readonly LayerInfo[],
    private readonly events: GridEvents,
  ) {
    this.viewport = new GridViewport((scrollTop) => events.scrolled(scrollTop));
    this.focus = new GridFocus(this.viewport, (position) => this.data.store?.get(position), () => this.schedule());
    this.data = new GridData(requests, layerOrder, this.viewport, {
      arrived: (store) => {
        this.showMessage(undefined);
        events.stats(store.stats);
      },
      failed: (message) => this.showMessage(message),
      settled: () => this.render(),
    });
    this.viewport.sizer.append(this.picture.bands.element, this.picture.labels.element, this.focus.ring);
    this.progress.hidden = true;
    this.message.hidden = true;
    const scroller = this.viewport.element;
    this.element = el("div", { class: "grid-panel" }, this.progress, this.message, scroller, this.focus.announcer);

    scroller.addEventListener("scroll", () => {
      this.data.touched();
      this.schedule();
    });
    scroller.addEventListener("keydown", (e) => {
      this.data.touched();
      this.onKey(e);
    });
    scroller.addEventListener("focus", () => this.schedule());
    scroller.addEventListener("blur", () => this.schedule());
    const canvases = this.picture.bands.element;
    canvases.addEventListener("mousemove", (e) => this.onPointer(e));
    canvases.addEventListener("mouseleave", () => this.onPointer(undefined));
    canvases.addEventListener("click", (e) => this.onClick(e));
    new ResizeObserver(() => {
      this.viewport.resized();
      this.schedule();
    }).observe(scroller);
  }

  update(settings: GridSettings): void {
    this.data.touched();
    const old = this.data.settings;
    const store = this.data.select(settings);
    if (store) {
      if (old?.layer.id !== settings.layer.id || old.view !== settings.view) {
        this.focus.position = 0;
        this.viewport.toTop();
      }
      this.showMessage(undefined);
      this.events.stats(store.stats);
    }
    this.viewport.element.setAttribute("aria-label", `Channels of ${settings.layer.name}`);
    // Now rather than in the next frame: tiles at hand are painted before the keystroke's handler
    // returns, and missing ones are asked for without waiting.
    this.render();
  }

  /** Call before the update that shows a new result. */
  offer(first: LayerTiles | undefined): void {
    this.data.offer(first);
  }

  /** Scrolls to a saved position once the layer's grid has its height: call before the update that shows the layer. */
  restoreScroll(top: number): void {
    this.viewport.restoreScroll(top);
    this.schedule();
  }

  focusGrid(): void {
    this.viewport.element.focus();
  }

  /** The range every tile shares under layer, global and symmetric normalisation. */
  sharedRange(): { low: number; high: number } | undefined {
    return this.data.store?.first();
  }

  /** Moves the focus by `delta` tiles and returns the channel there, if its tile has arrived. */
  step(delta: number): number | undefined {
    const plan = this.plan();
    if (!plan) return undefined;
    this.focus.move(this.focus.position + delta, plan);
    return this.data.store?.get(this.focus.position)?.channel;
  }

  snapshot(): { picture: Picture; layout: GridLayoutInfo } | undefined {
    return this.picture.snapshot();
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private plan(): Plan | undefined {
    const s = this.data.settings;
    return s && planGrid(s, this.viewport.content().width);
  }

  /** Layout is read before anything is written, so a scrolling frame forces no extra layout. */
  private render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const s = this.data.settings;
    const store = this.data.store;
    if (!s || !store) return;
    const { plan, view } = this.viewport.layOut(s);
    const rows = windowRows(plan, view);
    const window = rowRange(plan, rows);
    const missing = store.missing(window.start, window.end);
    const shown = this.picture.shown;
    if (missing) this.data.want(missing, shown?.store === store);
    const hideProgress = !missing || !this.data.loading;
    if (this.progress.hidden !== hideProgress) this.progress.hidden = hideProgress;

    // While a new layer or setting loads, the old picture stays (dimmed) instead of flashing empty.
    // The fetch may still be waiting for its timer, so "not failed" is the test, not "fetching".
    const waiting = missing !== undefined && !this.data.failed && shown !== undefined && shown.store !== store;
    this.viewport.element.classList.toggle("pending", waiting);
    if (!waiting && this.picture.paint(s, plan, store, rows, bandRows(plan, view)) && !missing) {
      this.events.painted(s.layer.id, this.picture.channels(), plan.count, s.view);
    }
    this.focus.place(plan);
    this.reportActive();
    this.data.idle(!missing);
  }

  /** Only on a change: the colorbar's text would otherwise be rewritten in every scrolling frame. */
  private reportActive(): void {
    const shown = this.picture.shown;
    const focused = shown && this.viewport.focused ? shown.store.get(this.focus.position) : undefined;
    const tile = shown && ((this.hovered !== undefined ? shown.tiles[this.hovered] : undefined) ?? focused ?? shown.tiles.find((t) => t !== undefined));
    const active = tile && { channel: tile.channel, low: tile.low, high: tile.high };
    const key = active ? `${active.channel}|${active.low}|${active.high}` : "";
    if (key === this.reportedActive) return;
    this.reportedActive = key;
    this.events.active(active);
  }

  private showMessage(text: string | undefined): void {
    this.message.hidden = text === undefined;
    this.message.replaceChildren(...(text === undefined ? [] : [codicon("error"), el("span", { text })]));
  }

  private onPointer(e: MouseEvent | undefined): void {
    if (e) this.data.touched();
    const hit = e && this.picture.hit(e);
    this.hovered = hit?.index;
    this.events.hover(hit && e && { layer: hit.shown.layer, channel: hit.tile.channel, x: hit.x, y: hit.y, clientX: e.clientX, clientY: e.clientY });
    this.reportActive();
  }

  private onClick(e: MouseEvent): void {
    const hit = this.picture.hit(e);
    if (!hit) return;
    this.focus.position = hit.shown.firstRow * hit.shown.layout.columns + hit.index;
    this.events.zoom(hit.tile.channel);
  }

  private onKey(e: KeyboardEvent): void {
    const plan = this.plan();
    const channel = plan && this.focus.onKey(e, plan);
    if (channel !== undefined) this.events.zoom(channel);
  }
}
