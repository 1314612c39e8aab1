import { type ColormapName, colormapLut } from "../src/shared/colormaps";
import type { NormalizeMode } from "../src/shared/normalize";
import { SEED_GRID, seedPresetChannels } from "../src/shared/presets";
import { type ChannelOrder, type GridLayoutInfo, type GridView, type LayerInfo, type LayerStats, MAX_TILES_PER_REQUEST, type Picture } from "../src/shared/protocol";
import { geometry } from "../src/shared/geometry";
import { codicon, el } from "./dom";
import { GridBands } from "./gridBands";
import { GridLabels } from "./gridLabels";
import type { Requests } from "./requests";
import { GAP, type GridLayout, type Size, gridLayout, pictureSize, sourceCoordinate, tilePictureSize } from "./tileGeometry";
import { type Tile, TileStore } from "./tileStore";
import type { HoverPoint } from "./tooltip";

export interface GridSettings {
  readonly layer: LayerInfo;
  readonly view: GridView;
  readonly normalize: NormalizeMode;
  readonly clipPercent: number;
  readonly order: ChannelOrder;
  readonly colormap: ColormapName;
  readonly tileSize: number;
  /** Bumped by the app whenever the host loads a new result: tiles from before mean nothing then. */
  readonly generation: number;
}

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

/** The host rejects requests for more tiles (src/host/validateMessage.ts). */
/** Prefetching beyond the window stops here: larger replies make the host and the scrolling stutter. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Scrolling produces bursts; only the window where the user stops is fetched. */
const FETCH_DELAY_MS = 30;
/** Tiles shrink to fit a narrow view, but not below this. */
const MIN_FIT_TILE = 28;
/** How much larger than a grid tile a layer's only map may be drawn. */
const SINGLE_MAP_SCALE = 4;

/** The part of the layer the settings ask for, laid out for the current width. */
interface Plan {
  readonly map: Size;
  readonly count: number;
  /** The seed preset's channels, sent explicitly; undefined in the "all" view. */
  readonly seed: readonly number[] | undefined;
  readonly layout: GridLayout;
  readonly rows: number;
}

/** What the grid shows now; hit tests and snapshots use it rather than settings still loading. */
interface Shown {
  readonly layer: string;
  readonly view: GridView;
  readonly colormap: ColormapName;
  readonly store: TileStore;
  /** Everything the picture depends on but its scroll position. */
  readonly base: string;
  readonly map: Size;
  readonly layout: GridLayout;
  readonly firstRow: number;
  /** The picture's tiles, row-major from its top-left; undefined where a tile has not arrived. */
  readonly tiles: readonly (Tile | undefined)[];
}

interface Fetch {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

function dataKey(s: GridSettings): string {
  // Colormap and tile size are absent on purpose: changing them repaints from the same bytes.
  return [s.generation, s.layer.id, s.view, s.normalize, s.clipPercent, s.view === "all" ? s.order : ""].join("\u0000");
}

/**
 * The channel grid: canvases covering only the rows in view (the "all" view of a 2048-channel
 * layer never holds more than a few screenfuls of tiles), labels and focus ring as DOM on top.
 */
export class Grid {
  readonly element: HTMLElement;
  private readonly scroller: HTMLDivElement;
  private readonly sizer = el("div", { class: "grid-sizer" });
  private readonly bands = new GridBands();
  private readonly labels = new GridLabels();
  private readonly ring = el("div", { class: "grid-focus", attrs: { "aria-hidden": "true" } });
  private readonly progress = el("vscode-progress-bar", { class: "grid-progress", attrs: { indeterminate: "" } });
  private readonly message = el("div", { class: "grid-message", attrs: { role: "alert" } });
  private readonly announcer = el("div", { class: "visually-hidden", attrs: { "aria-live": "polite" } });

  private settings: GridSettings | undefined;
  private store: TileStore | undefined;
  private shown: Shown | undefined;
  private fetching: Fetch | undefined;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set after an error reply, so repaints do not hammer the host with the same failing request. */
  private failed = false;
  private frame = 0;
  private focus = 0;
  private hovered: number | undefined;
  private restoreTop: number | undefined;
  private reportedTop = -1;

  constructor(
    private readonly requests: Requests,
    private readonly events: GridEvents,
  ) {
    this.scroller = el("div", { class: "grid-scroller", attrs: { tabindex: "0", role: "group" } }, this.sizer);
    this.sizer.append(this.bands.element, this.labels.element, this.ring);
    this.progress.hidden = true;
    this.message.hidden = true;
    this.element = el("div", { class: "grid-panel" }, this.progress, this.message, this.scroller, this.announcer);

    this.scroller.addEventListener("scroll", () => this.schedule());
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    this.scroller.addEventListener("focus", () => this.schedule());
    this.scroller.addEventListener("blur", () => this.schedule());
    this.bands.element.addEventListener("mousemove", (e) => this.onPointer(e));
    this.bands.element.addEventListener("mouseleave", () => this.onPointer(undefined));
    this.bands.element.addEventListener("click", (e) => this.onClick(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  update(settings: GridSettings): void {
    const key = dataKey(settings);
    if (this.store?.key !== key) {
      if (this.settings?.layer.id !== settings.layer.id || this.settings.view !== settings.view) {
        this.focus = 0;
        this.scroller.scrollTop = 0;
      }
      this.store = new TileStore(key);
      this.failed = false;
      this.showMessage(undefined);
      this.events.stats(undefined);
    }
    this.settings = settings;
    this.scroller.setAttribute("aria-label", `Channels of ${settings.layer.name}`);
    this.schedule();
  }

  /** Scrolls to a saved position once the layer's grid has its height. */
  restoreScroll(top: number): void {
    this.restoreTop = top;
    this.schedule();
  }

  focusGrid(): void {
    this.scroller.focus();
  }

  /** The range every tile shares under layer, global and symmetric normalisation. */
  sharedRange(): { low: number; high: number } | undefined {
    return this.store?.first();
  }

  /** Moves the focus by `delta` tiles and returns the channel there, if its tile has arrived. */
  step(delta: number): number | undefined {
    const plan = this.plan();
    if (!plan) return undefined;
    this.moveFocus(this.focus + delta, plan);
    return this.store?.get(this.focus)?.channel;
  }

  snapshot(): { picture: Picture; layout: GridLayoutInfo } | undefined {
    const shown = this.shown;
    const picture = this.bands.snapshot();
    if (!shown || !picture) return undefined;
    return {
      picture,
      layout: {
        layer: shown.layer,
        channels: shownChannels(shown),
        columns: shown.layout.columns,
        tileWidth: shown.layout.tile.width,
        tileHeight: shown.layout.tile.height,
        gap: GAP,
        colormap: shown.colormap,
      },
    };
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private plan(): Plan | undefined {
    const s = this.settings;
    if (!s) return undefined;
    const g = geometry(s.layer.shape);
    const map = { width: g.width, height: g.height };
    const seed = s.view === "seed" ? seedPresetChannels(g.channels) : undefined;
    const count = seed ? seed.length : g.channels;
    const available = Math.max(1, this.content().width);
    // A layer with a single map (a linear layer's output) may use the room a grid row would.
    const target = count === 1 ? Math.max(s.tileSize, Math.min(available, SINGLE_MAP_SCALE * s.tileSize)) : s.tileSize;
    const tile = tilePictureSize(map, target);
    // The seed figure keeps its 4 columns: in a narrow view its tiles shrink instead.
    const columns = seed ? Math.max(1, Math.min(SEED_GRID.columns, count)) : Math.max(1, Math.floor((available + GAP) / (tile.width + GAP)));
    const fit = Math.max(MIN_FIT_TILE, Math.floor((available - GAP * (columns - 1)) / columns));
    const layout = gridLayout(columns, tile.width <= fit ? tile : tilePictureSize(map, fit, true));
    return { map, count, seed, layout, rows: Math.ceil(count / layout.columns) };
  }

  /** The scroller's visible content box, in the sizer's coordinates. */
  private content(): { top: number; width: number; height: number } {
    const style = getComputedStyle(this.scroller);
    const px = (v: string): number => parseFloat(v) || 0;
    return {
      top: this.scroller.scrollTop - px(style.paddingTop),
      width: this.scroller.clientWidth - px(style.paddingLeft) - px(style.paddingRight),
      height: this.scroller.clientHeight - px(style.paddingTop) - px(style.paddingBottom),
    };
  }

  /** Rows per band: half a screenful, so scrolling paints a little at a time. */
  private bandRows(plan: Plan): number {
    return plan.seed ? Math.max(1, plan.rows) : Math.max(1, Math.ceil(this.content().height / plan.layout.pitchY / 2));
  }

  /** Rows to paint: all of the seed figure; in the "all" view whole bands covering the visible rows and one more each side. */
  private windowRows(plan: Plan): { first: number; end: number } {
    if (plan.seed) return { first: 0, end: plan.rows };
    const view = this.content();
    const band = this.bandRows(plan);
    const top = Math.max(0, Math.floor(view.top / plan.layout.pitchY) - 1);
    const bottom = Math.floor((view.top + view.height) / plan.layout.pitchY) + 1;
    const first = Math.floor(top / band) * band;
    return { first, end: Math.max(first, Math.min(plan.rows, Math.ceil((bottom + 1) / band) * band)) };
  }

  private render(): void {
    this.frame = 0;
    const s = this.settings;
    const store = this.store;
    const plan = this.plan();
    if (!s || !store || !plan) return;
    const full = pictureSize(plan.layout, plan.rows);
    this.sizer.style.width = `${full.width}px`;
    this.sizer.style.height = `${full.height}px`;
    if (this.restoreTop !== undefined) {
      this.scroller.scrollTop = this.restoreTop;
      this.restoreTop = undefined;
    }
    if (this.scroller.scrollTop !== this.reportedTop) {
      this.reportedTop = this.scroller.scrollTop;
      this.events.scrolled(this.reportedTop);
    }

    const rows = this.windowRows(plan);
    const from = rows.first * plan.layout.columns;
    const to = Math.min(plan.count, rows.end * plan.layout.columns);
    const missing = store.missing(from, to);
    if (missing) this.scheduleFetch(store, missing);
    this.progress.hidden = !missing || this.fetching === undefined;

    // While a new layer or setting loads, the old picture stays (dimmed) instead of flashing empty.
    // The fetch may still be waiting for its timer, so "not failed" is the test, not "fetching".
    const waiting = missing !== undefined && !this.failed && this.shown !== undefined && this.shown.store !== store;
    this.scroller.classList.toggle("pending", waiting);
    if (!waiting) this.paint(s, plan, store, rows.first, to - from, !missing);
    this.placeRing(plan);
    this.reportActive();
  }

  private paint(s: GridSettings, plan: Plan, store: TileStore, first: number, count: number, complete: boolean): void {
    const { layout } = plan;
    const base = [store.key, store.version, layout.columns, layout.tile.width, layout.tile.height, s.colormap].join("|");
    const old = this.shown;
    if (old?.base === base && old.firstRow === first && old.tiles.length === count) return;
    const tiles: (Tile | undefined)[] = [];
    for (let i = 0; i < count; i++) tiles.push(store.get(first * layout.columns + i));
    this.bands.show({ base, map: plan.map, layout, lut: colormapLut(s.colormap), firstRow: first, bandRows: this.bandRows(plan), tiles });
    this.labels.show(layout, first, tiles);
    const shown: Shown = { layer: s.layer.id, view: s.view, colormap: s.colormap, store, base, map: plan.map, layout, firstRow: first, tiles };
    this.shown = shown;
    if (complete) this.events.painted(shown.layer, shownChannels(shown), plan.count, shown.view);
  }

  private placeRing(plan: Plan): void {
    this.focus = Math.min(this.focus, Math.max(0, plan.count - 1));
    const { layout } = plan;
    this.ring.hidden = document.activeElement !== this.scroller || plan.count === 0;
    this.ring.style.left = `${(this.focus % layout.columns) * layout.pitchX}px`;
    this.ring.style.top = `${Math.floor(this.focus / layout.columns) * layout.pitchY}px`;
    this.ring.style.width = `${layout.tile.width}px`;
    this.ring.style.height = `${layout.tile.height}px`;
  }

  private reportActive(): void {
    const shown = this.shown;
    if (!shown) return this.events.active(undefined);
    const focused = document.activeElement === this.scroller ? shown.store.get(this.focus) : undefined;
    const tile = (this.hovered !== undefined ? shown.tiles[this.hovered] : undefined) ?? focused ?? shown.tiles.find((t) => t !== undefined);
    this.events.active(tile && { channel: tile.channel, low: tile.low, high: tile.high });
  }

  private scheduleFetch(store: TileStore, missing: { start: number; end: number }): void {
    const f = this.fetching;
    if (this.failed || (f && f.key === store.key && f.start <= missing.start && f.end >= missing.end)) return;
    clearTimeout(this.fetchTimer);
    // Scrolling waits for the burst to end; a new layer or setting is fetched at once (a newer
    // request cancels it if the user keeps going).
    const delay = this.shown?.store === store ? FETCH_DELAY_MS : 0;
    this.fetchTimer = setTimeout(() => this.fetchWindow(), delay);
  }

  /** Asks for the missing tiles of the current window plus a window's worth of margin for scrolling. */
  private fetchWindow(): void {
    const s = this.settings;
    const store = this.store;
    const plan = this.plan();
    if (!s || !store || !plan || this.failed) return;
    const rows = this.windowRows(plan);
    const from = rows.first * plan.layout.columns;
    const to = Math.min(plan.count, rows.end * plan.layout.columns);
    const missing = store.missing(from, to);
    if (!missing) return;
    let start = 0;
    let end = plan.count;
    if (!plan.seed) {
      const area = Math.max(1, plan.map.width * plan.map.height);
      const limit = Math.min(MAX_TILES_PER_REQUEST, Math.max(to - from, Math.floor(MAX_REPLY_BYTES / area)));
      const margin = Math.max(0, Math.floor((limit - (missing.end - missing.start)) / 2));
      const wide = store.missing(Math.max(0, missing.start - margin), Math.min(plan.count, missing.end + margin)) ?? missing;
      start = wide.start;
      end = Math.min(wide.end, start + limit);
    }
    const fetch: Fetch = { key: store.key, start, end };
    this.fetching = fetch;
    this.progress.hidden = false;
    const settle = (): void => {
      if (this.fetching === fetch) this.fetching = undefined;
      this.schedule();
    };
    this.requests
      .getLayer({
        layer: s.layer.id,
        start,
        count: end - start,
        channels: plan.seed,
        order: plan.seed ? "index" : s.order,
        normalize: s.normalize,
        clipPercent: s.clipPercent,
      })
      .then(
        (reply) => {
          if (reply && this.store === store) {
            store.add(start, reply);
            this.showMessage(undefined);
            this.events.stats(store.stats);
          }
          settle();
        },
        (error: Error) => {
          if (this.store === store) {
            this.failed = true;
            this.showMessage(error.message);
          }
          settle();
        },
      );
  }

  private showMessage(text: string | undefined): void {
    this.message.hidden = text === undefined;
    this.message.replaceChildren(...(text === undefined ? [] : [codicon("error"), el("span", { text })]));
  }

  private hitTest(e: MouseEvent): { shown: Shown; index: number; tile: Tile; x: number; y: number } | undefined {
    const shown = this.shown;
    const hit = shown && this.bands.hit(e);
    const tile = hit && shown.tiles[hit.index];
    if (!shown || !hit || !tile) return undefined;
    return {
      shown,
      index: hit.index,
      tile,
      x: sourceCoordinate(hit.x, shown.map.width, shown.layout.tile.width),
      y: sourceCoordinate(hit.y, shown.map.height, shown.layout.tile.height),
    };
  }

  private onPointer(e: MouseEvent | undefined): void {
    const hit = e && this.hitTest(e);
    this.hovered = hit?.index;
    this.events.hover(hit && e && { layer: hit.shown.layer, channel: hit.tile.channel, x: hit.x, y: hit.y, clientX: e.clientX, clientY: e.clientY });
    this.reportActive();
  }

  private onClick(e: MouseEvent): void {
    const hit = this.hitTest(e);
    if (!hit) return;
    this.focus = hit.shown.firstRow * hit.shown.layout.columns + hit.index;
    this.events.zoom(hit.tile.channel);
  }

  private onKey(e: KeyboardEvent): void {
    const plan = this.plan();
    if (!plan || e.altKey || e.ctrlKey || e.metaKey) return;
    const { columns } = plan.layout;
    const page = Math.max(1, Math.floor(this.content().height / plan.layout.pitchY)) * columns;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -columns,
      ArrowDown: columns,
      PageUp: -page,
      PageDown: page,
      Home: -this.focus,
      End: plan.count - 1 - this.focus,
    };
    if (e.key in moves) {
      e.preventDefault();
      this.moveFocus(this.focus + moves[e.key], plan);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const channel = this.store?.get(this.focus)?.channel;
      if (channel !== undefined) this.events.zoom(channel);
    }
  }

  private moveFocus(position: number, plan: Plan): void {
    this.focus = Math.max(0, Math.min(plan.count - 1, position));
    const { pitchY, tile } = plan.layout;
    const top = Math.floor(this.focus / plan.layout.columns) * pitchY;
    const view = this.content();
    if (top < view.top) this.scroller.scrollTop += top - view.top;
    else if (top + tile.height > view.top + view.height) this.scroller.scrollTop += top + tile.height - view.top - view.height;
    const channel = this.store?.get(this.focus)?.channel;
    this.announcer.textContent = `Tile ${this.focus + 1} of ${plan.count}${channel === undefined ? "" : `, channel ${channel}`}`;
    this.schedule();
  }
}

/** The channels of the tiles shown, in display order, up to the first tile not yet arrived. */
function shownChannels(shown: Shown): number[] {
  const channels: number[] = [];
  for (const tile of shown.tiles) {
    if (!tile) break;
    channels.push(tile.channel);
  }
  return channels;
}
