import { type ColormapName, colormapLut } from "../src/shared/colormaps";
import { sameLayerRequest } from "../src/shared/layerRequests";
import type { GridLayoutInfo, GridView, LayerInfo, LayerStats, LayerTiles, Picture } from "../src/shared/protocol";
import { codicon, el } from "./dom";
import { GridBands } from "./gridBands";
import { GridLabels } from "./gridLabels";
import { type GridSettings, type Plan, type Range, type Viewport, bandRows, dataKey, layerRequest, nearestFirst, planGrid, replyBytes, rowRange, windowFetch, windowRows } from "./gridPlan";
import { Lru } from "./lru";
import type { Requests } from "./requests";
import { GAP, type GridLayout, type Size, pictureSize, sourceCoordinate } from "./tileGeometry";
import { type Tile, TileStore } from "./tileStore";
import type { HoverPoint } from "./tooltip";

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

/** Scrolling produces bursts; only the window where the user stops is fetched. */
const FETCH_DELAY_MS = 30;
/** Other layers are fetched in the background only once the user has left the grid alone this long. */
const PREFETCH_IDLE_MS = 400;
/**
 * Tiles kept across layers and settings, so going back to a layer paints it at once. Prefetching
 * stops rather than push anything out.
 */
const CACHE_BYTES = 96 * 1024 * 1024;
/**
 * How many layers around the current one are prefetched: the next steps through the list. Every
 * request costs the host and the inference process some work even in the background, and in VS
 * Code for the Web a burst of some fifty of them (every layer of the built-in model) delayed the
 * next webview's start by up to 30 s.
 */
const PREFETCH_LAYERS = 4;

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

interface Fetch extends Range {
  readonly key: string;
}

/** The content box plus the scroll position it was read at. */
interface Content extends Viewport {
  readonly scrollTop: number;
}

interface Padding {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/**
 * The channel grid: canvases covering only the rows in view (the "all" view of a 2048-channel
 * layer never holds more than a few screenfuls of tiles), labels and focus ring as DOM on top.
 * Tiles stay cached per layer and settings, and while the user is idle the layers next to the
 * current one are fetched in the background, so stepping through the layer list paints at once.
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
  private readonly cache = new Lru<string, TileStore>(CACHE_BYTES, (store) => store.bytes);
  /** Layers whose prefetch failed: the user sees the error only by going there. */
  private readonly unavailable = new Set<string>();

  private settings: GridSettings | undefined;
  private store: TileStore | undefined;
  private shown: Shown | undefined;
  /** The one layer request in flight, the user's or a prefetch: a newer one cancels it (src/host/viewController.ts). */
  private fetching: Fetch | undefined;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private prefetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Until then the user counts as busy with the grid, and nothing is prefetched. */
  private quietAt = 0;
  /** Set after an error reply, so repaints do not hammer the host with the same failing request. */
  private failed = false;
  /** Tiles the host sent with its result: the next fetch takes them if it would ask for exactly these. */
  private offered: LayerTiles | undefined;
  private frame = 0;
  private focus = 0;
  private hovered: number | undefined;
  private restoreTop: number | undefined;
  private reportedTop = -1;
  private reportedActive = "";
  private ringPlace = "";
  private sizerSize = "";
  /** Read once: reading computed styles in every scroll frame forces a style recalculation. */
  private padding: Padding | undefined;
  private viewport: Content | undefined;

  constructor(
    private readonly requests: Requests,
    /** The layers in the order of the layer list: prefetching goes to the nearest first. */
    private readonly layerOrder: () => readonly LayerInfo[],
    private readonly events: GridEvents,
  ) {
    this.scroller = el("div", { class: "grid-scroller", attrs: { tabindex: "0", role: "group" } }, this.sizer);
    this.sizer.append(this.bands.element, this.labels.element, this.ring);
    this.progress.hidden = true;
    this.message.hidden = true;
    this.element = el("div", { class: "grid-panel" }, this.progress, this.message, this.scroller, this.announcer);

    this.scroller.addEventListener("scroll", () => {
      this.touched();
      this.schedule();
    });
    this.scroller.addEventListener("keydown", (e) => {
      this.touched();
      this.onKey(e);
    });
    this.scroller.addEventListener("focus", () => this.schedule());
    this.scroller.addEventListener("blur", () => this.schedule());
    this.bands.element.addEventListener("mousemove", (e) => this.onPointer(e));
    this.bands.element.addEventListener("mouseleave", () => this.onPointer(undefined));
    this.bands.element.addEventListener("click", (e) => this.onClick(e));
    new ResizeObserver(() => {
      // The narrow layout has its own padding.
      this.padding = undefined;
      this.schedule();
    }).observe(this.scroller);
  }

  update(settings: GridSettings): void {
    this.touched();
    if (this.settings && this.settings.generation !== settings.generation) {
      this.cache.clear();
      this.unavailable.clear();
    }
    const key = dataKey(settings);
    if (this.store?.key !== key) {
      if (this.settings?.layer.id !== settings.layer.id || this.settings.view !== settings.view) {
        this.focus = 0;
        this.scroller.scrollTop = 0;
      }
      this.store = this.cache.get(key) ?? new TileStore(key);
      this.cache.set(key, this.store);
      this.failed = false;
      this.showMessage(undefined);
      this.events.stats(this.store.stats);
    }
    this.settings = settings;
    this.scroller.setAttribute("aria-label", `Channels of ${settings.layer.name}`);
    // Now rather than in the next frame: tiles at hand are painted before the keystroke's handler
    // returns, and missing ones are asked for without waiting.
    this.render();
  }

  /** Call before the update that shows a new result. */
  offer(first: LayerTiles | undefined): void {
    this.offered = first;
  }

  /** Scrolls to a saved position once the layer's grid has its height: call before the update that shows the layer. */
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

  /** The user did something: background fetching waits until they have been idle a while. */
  private touched(): void {
    this.quietAt = performance.now() + PREFETCH_IDLE_MS;
  }

  private plan(): Plan | undefined {
    return this.settings && planGrid(this.settings, this.content().width);
  }

  /** The scroller's visible content box, in the sizer's coordinates. */
  private content(): Content {
    if (!this.padding) {
      const style = getComputedStyle(this.scroller);
      const px = (v: string): number => parseFloat(v) || 0;
      this.padding = { top: px(style.paddingTop), right: px(style.paddingRight), bottom: px(style.paddingBottom), left: px(style.paddingLeft) };
    }
    const { top, right, bottom, left } = this.padding;
    const scrollTop = this.scroller.scrollTop;
    return {
      scrollTop,
      top: scrollTop - top,
      width: this.scroller.clientWidth - left - right,
      height: this.scroller.clientHeight - top - bottom,
    };
  }

  /** Layout is read before anything is written, so a scrolling frame forces no extra layout. */
  private render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const s = this.settings;
    const store = this.store;
    if (!s || !store) return;
    let view = this.content();
    const plan = planGrid(s, view.width);
    const full = pictureSize(plan.layout, plan.rows);
    const size = `${full.width}x${full.height}`;
    if (size !== this.sizerSize) {
      this.sizerSize = size;
      this.sizer.style.width = `${full.width}px`;
      this.sizer.style.height = `${full.height}px`;
    }
    if (this.restoreTop !== undefined) {
      this.scroller.scrollTop = this.restoreTop;
      this.restoreTop = undefined;
      view = this.content();
    }
    this.viewport = view;
    if (view.scrollTop !== this.reportedTop) {
      this.reportedTop = view.scrollTop;
      this.events.scrolled(this.reportedTop);
    }

    const rows = windowRows(plan, view);
    const window = rowRange(plan, rows);
    const missing = store.missing(window.start, window.end);
    if (missing) this.scheduleFetch(store, missing);
    const hideProgress = !missing || this.fetching?.key !== store.key;
    if (this.progress.hidden !== hideProgress) this.progress.hidden = hideProgress;

    // While a new layer or setting loads, the old picture stays (dimmed) instead of flashing empty.
    // The fetch may still be waiting for its timer, so "not failed" is the test, not "fetching".
    const waiting = missing !== undefined && !this.failed && this.shown !== undefined && this.shown.store !== store;
    this.scroller.classList.toggle("pending", waiting);
    if (!waiting) this.paint(s, plan, store, rows, bandRows(plan, view), !missing);
    this.placeRing(plan);
    this.reportActive();
    if (missing || this.fetching) clearTimeout(this.prefetchTimer);
    else this.prefetchSoon();
  }

  private paint(s: GridSettings, plan: Plan, store: TileStore, rows: { first: number; end: number }, band: number, complete: boolean): void {
    const { layout } = plan;
    const base = [store.key, store.version, layout.columns, layout.tile.width, layout.tile.height, s.colormap].join("|");
    const range = rowRange(plan, rows);
    const old = this.shown;
    if (old?.base === base && old.firstRow === rows.first && old.tiles.length === range.end - range.start) return;
    const tiles: (Tile | undefined)[] = [];
    for (let i = range.start; i < range.end; i++) tiles.push(store.get(i));
    this.bands.show({
      base,
      map: plan.map,
      layout,
      lut: colormapLut(s.colormap),
      firstRow: rows.first,
      endRow: rows.end,
      bandRows: band,
      count: plan.count,
      tile: (position) => store.get(position),
    });
    this.labels.show(layout, rows.first, tiles);
    const shown: Shown = { layer: s.layer.id, view: s.view, colormap: s.colormap, store, base, map: plan.map, layout, firstRow: rows.first, tiles };
    this.shown = shown;
    if (complete) this.events.painted(shown.layer, shownChannels(shown), plan.count, shown.view);
  }

  private placeRing(plan: Plan): void {
    this.focus = Math.min(this.focus, Math.max(0, plan.count - 1));
    const { layout } = plan;
    const hidden = document.activeElement !== this.scroller || plan.count === 0;
    if (this.ring.hidden !== hidden) this.ring.hidden = hidden;
    const place = [this.focus % layout.columns, Math.floor(this.focus / layout.columns), layout.pitchX, layout.pitchY, layout.tile.width, layout.tile.height].join();
    if (place === this.ringPlace) return;
    this.ringPlace = place;
    this.ring.style.left = `${(this.focus % layout.columns) * layout.pitchX}px`;
    this.ring.style.top = `${Math.floor(this.focus / layout.columns) * layout.pitchY}px`;
    this.ring.style.width = `${layout.tile.width}px`;
    this.ring.style.height = `${layout.tile.height}px`;
  }

  /** Only on a change: the colorbar's text would otherwise be rewritten in every scrolling frame. */
  private reportActive(): void {
    const shown = this.shown;
    const focused = shown && document.activeElement === this.scroller ? shown.store.get(this.focus) : undefined;
    const tile = shown && ((this.hovered !== undefined ? shown.tiles[this.hovered] : undefined) ?? focused ?? shown.tiles.find((t) => t !== undefined));
    const active = tile && { channel: tile.channel, low: tile.low, high: tile.high };
    const key = active ? `${active.channel}|${active.low}|${active.high}` : "";
    if (key === this.reportedActive) return;
    this.reportedActive = key;
    this.events.active(active);
  }

  private scheduleFetch(store: TileStore, missing: Range): void {
    const f = this.fetching;
    // A prefetch of this very window may be in flight: it is waited for, not asked again.
    if (this.failed || (f && f.key === store.key && f.start <= missing.start && f.end >= missing.end)) return;
    clearTimeout(this.fetchTimer);
    // Scrolling waits for the burst to end; a new layer or setting is fetched at once (a newer
    // request cancels it if the user keeps going).
    if (this.shown?.store === store) this.fetchTimer = setTimeout(() => this.fetchWindow(), FETCH_DELAY_MS);
    else this.fetchWindow();
  }

  /** Asks for the missing tiles of the current window plus a window's worth of margin for scrolling. */
  private fetchWindow(): void {
    const s = this.settings;
    const store = this.store;
    if (!s || !store || this.failed) return;
    const view = this.content();
    const plan = planGrid(s, view.width);
    const range = windowFetch(plan, view, store);
    if (range) this.fetch(s, plan, store, range);
  }

  private prefetchSoon(): void {
    clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => this.prefetchNext(), Math.max(0, this.quietAt - performance.now()));
  }

  /**
   * Asks for the opening window of the nearest layer not cached yet, under the current settings.
   * Runs only while the grid is complete and nothing else is asked (a layer request would cancel
   * the user's own), one request at a time.
   */
  private prefetchNext(): void {
    const s = this.settings;
    const view = this.viewport;
    // Only in the view the user works in: a visible side view or panel beside it stays quiet.
    if (!s || !view || this.fetching || this.failed || !document.hasFocus()) return;
    if (performance.now() < this.quietAt) return this.prefetchSoon();
    const layers = this.layerOrder();
    // Another layer opens scrolled to its top.
    const opening = { ...view, top: view.top - view.scrollTop };
    const nearest = nearestFirst(layers, layers.findIndex((l) => l.id === s.layer.id)).slice(0, PREFETCH_LAYERS);
    for (const layer of nearest) {
      const settings = { ...s, layer };
      const key = dataKey(settings);
      const store = this.cache.peek(key) ?? new TileStore(key);
      const plan = planGrid(settings, view.width);
      const range = windowFetch(plan, opening, store);
      if (!range || this.unavailable.has(key)) continue;
      if (this.cache.total + replyBytes(plan, range) > CACHE_BYTES) return;
      this.cache.set(key, store);
      this.fetch(settings, plan, store, range);
      return;
    }
  }

  private fetch(s: GridSettings, plan: Plan, store: TileStore, range: Range): void {
    const fetch: Fetch = { key: store.key, ...range };
    this.fetching = fetch;
    const settle = (): void => {
      if (this.fetching === fetch) this.fetching = undefined;
      // The user's layer is painted the moment its tiles arrive; a prefetch makes way for the next.
      if (this.store === store) this.render();
      else this.prefetchSoon();
    };
    const request = layerRequest(s, plan, range);
    const offered = this.offered;
    this.offered = undefined;
    const reply = offered && sameLayerRequest(offered.request, request) ? Promise.resolve(offered.reply) : this.requests.getLayer(request, this.store === store);
    reply.then(
      (reply) => {
        if (reply) {
          store.add(range.start, reply);
          // Weighed anew; a store pushed out meanwhile stays out.
          if (this.cache.peek(store.key) === store) this.cache.set(store.key, store);
        }
        if (reply && this.store === store) {
          this.showMessage(undefined);
          this.events.stats(store.stats);
        }
        settle();
      },
      (error: Error) => {
        if (this.store === store) {
          this.failed = true;
          this.showMessage(error.message);
        } else {
          this.unavailable.add(store.key);
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
    if (e) this.touched();
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
