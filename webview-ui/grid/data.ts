import { sameLayerRequest } from "../../src/shared/layerRequests";
import type { LayerInfo, LayerTiles } from "../../src/shared/protocol";
import { Lru } from "../common/lru";
import type { Requests } from "../requests";
import { type GridSettings, type Plan, type Range, dataKey, layerRequest, nearestFirst, planGrid, replyBytes, windowFetch } from "./plan";
import { TileStore } from "./tileStore";
import type { GridViewport } from "./viewport";

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
 * Code for the Web a burst of them (one per layer of the built-in model) held up the start of the
 * next webview.
 */
const PREFETCH_LAYERS = 4;

interface Fetch extends Range {
  readonly key: string;
}

/** What the grid hears about its own layer's requests; prefetches settle quietly. */
export interface DataEvents {
  arrived(store: TileStore): void;
  /** Nothing more is asked for the layer until its settings change. */
  failed(message: string): void;
  /** The request is over, answered or not: time to paint or to ask again. */
  settled(): void;
}

/**
 * Where the grid's tiles come from: a cache of tile stores per layer and settings, the window the
 * user looks at, and while they are idle the opening windows of the layers next to theirs.
 */
export class GridData {
  private readonly cache = new Lru<string, TileStore>(CACHE_BYTES, (store) => store.bytes);
  /** Layers whose prefetch failed: the user sees the error only by going there. */
  private readonly unavailable = new Set<string>();
  private current: { readonly settings: GridSettings; readonly store: TileStore } | undefined;
  /** The one layer request in flight, the user's or a prefetch: a newer one cancels it (src/host/viewController.ts). */
  private fetching: Fetch | undefined;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private prefetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Until then the user counts as busy with the grid, and nothing is prefetched. */
  private quietAt = 0;
  /** Set after an error reply, so repaints do not hammer the host with the same failing request. */
  private stopped = false;
  /** Tiles the host sent with its result: the next fetch takes them if it would ask for exactly these. */
  private offered: LayerTiles | undefined;

  constructor(
    private readonly requests: Requests,
    /** The layers in the order of the layer list: prefetching goes to the nearest first. */
    private readonly layerOrder: () => readonly LayerInfo[],
    private readonly viewport: GridViewport,
    private readonly events: DataEvents,
  ) {}

  get settings(): GridSettings | undefined {
    return this.current?.settings;
  }

  get store(): TileStore | undefined {
    return this.current?.store;
  }

  get failed(): boolean {
    return this.stopped;
  }

  /** Whether the current layer's own tiles are on their way. */
  get loading(): boolean {
    return this.fetching !== undefined && this.fetching.key === this.current?.store.key;
  }

  /** Takes the grid's settings; returns the store they switch to, if they name other tiles than before. */
  select(settings: GridSettings): TileStore | undefined {
    if (this.current && this.current.settings.generation !== settings.generation) {
      this.cache.clear();
      this.unavailable.clear();
    }
    const key = dataKey(settings);
    if (this.current?.store.key === key) {
      this.current = { settings, store: this.current.store };
      return undefined;
    }
    const store = this.cache.get(key) ?? new TileStore(key);
    this.cache.set(key, store);
    this.current = { settings, store };
    this.stopped = false;
    return store;
  }

  /** Call before the update that shows a new result. */
  offer(first: LayerTiles | undefined): void {
    this.offered = first;
  }

  /** The user did something: background fetching waits until they have been idle a while. */
  touched(): void {
    this.quietAt = performance.now() + PREFETCH_IDLE_MS;
  }

  /** Asks for tiles the window misses; `scrolling`: the grid shows this store already. */
  want(missing: Range, scrolling: boolean): void {
    const store = this.current?.store;
    const f = this.fetching;
    // A prefetch of this very window may be in flight: it is waited for, not asked again.
    if (!store || this.stopped || (f && f.key === store.key && f.start <= missing.start && f.end >= missing.end)) return;
    clearTimeout(this.fetchTimer);
    // Scrolling waits for the burst to end; a new layer or setting is fetched at once (a newer
    // request cancels it if the user keeps going).
    if (scrolling) this.fetchTimer = setTimeout(() => this.fetchWindow(), FETCH_DELAY_MS);
    else this.fetchWindow();
  }

  /** After each paint: once the window is complete and nothing is on its way, prefetching may start. */
  idle(complete: boolean): void {
    if (!complete || this.fetching) clearTimeout(this.prefetchTimer);
    else this.prefetchSoon();
  }

  /** Asks for the missing tiles of the current window plus a window's worth of margin for scrolling. */
  private fetchWindow(): void {
    if (!this.current || this.stopped) return;
    const { settings, store } = this.current;
    const view = this.viewport.content();
    const plan = planGrid(settings, view.width);
    const range = windowFetch(plan, view, store);
    if (range) this.fetch(settings, plan, store, range);
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
    const s = this.current?.settings;
    const view = this.viewport.laidOut;
    // Only in the view the user works in: a visible side view or panel beside it stays quiet.
    if (!s || !view || this.fetching || this.stopped || !document.hasFocus()) return;
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
    const own = (): boolean => this.current?.store === store;
    const settle = (): void => {
      if (this.fetching === fetch) this.fetching = undefined;
      // The user's layer is painted the moment its tiles arrive; a prefetch makes way for the next.
      if (own()) this.events.settled();
      else this.prefetchSoon();
    };
    const request = layerRequest(s, plan, range);
    const offered = this.offered;
    this.offered = undefined;
    const reply = offered && sameLayerRequest(offered.request, request) ? Promise.resolve(offered.reply) : this.requests.getLayer(request, own());
    reply.then(
      (reply) => {
        if (reply) {
          store.add(range.start, reply);
          // Weighed anew; a store pushed out meanwhile stays out.
          if (this.cache.peek(store.key) === store) this.cache.set(store.key, store);
          if (own()) this.events.arrived(store);
        }
        settle();
      },
      (error: Error) => {
        if (own()) {
          this.stopped = true;
          this.events.failed(error.message);
        } else {
          this.unavailable.add(store.key);
        }
        settle();
      },
    );
  }
}
