// What the grid shows of a layer and which tiles it asks the host for: pure functions of the
// settings and the scroller's size, so the grid can plan layers it does not show (prefetching).
import type { ColormapName } from "../../src/shared/colormaps";
import { geometry } from "../../src/shared/geometry";
import type { NormalizeMode } from "../../src/shared/normalize";
import { NOTEBOOK_GRID, notebookChannels } from "../../src/shared/presets";
import { type ChannelOrder, type GridView, type LayerInfo, type LayerRequest, MAX_TILES_PER_REQUEST } from "../../src/shared/protocol";
import { GAP, type GridLayout, type Size, gridLayout, tilePictureSize } from "../common/tileGeometry";
import type { TileStore } from "./tileStore";

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

/** Prefetching beyond the window stops here: larger replies make the host and the scrolling stutter. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Tiles shrink to fit a narrow view, but not below this. */
const MIN_FIT_TILE = 28;
/** How much larger than a grid tile a layer's only map may be drawn. */
const SINGLE_MAP_SCALE = 4;

/** The part of the layer the settings ask for, laid out for the current width. */
export interface Plan {
  readonly map: Size;
  readonly count: number;
  /** The notebook preset's channels, sent explicitly; undefined in the "all" view. */
  readonly preset: readonly number[] | undefined;
  readonly layout: GridLayout;
  readonly rows: number;
}

/** The scroller's visible content box, in the sizer's coordinates. */
export interface Viewport {
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Tile positions [start, end). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Identifies the tiles a request returns. */
export function dataKey(s: GridSettings): string {
  // Colormap and tile size are absent on purpose: changing them repaints from the same bytes.
  return [s.generation, s.layer.id, s.view, s.normalize, s.clipPercent, s.view === "all" ? s.order : ""].join("\u0000");
}

export function planGrid(s: GridSettings, width: number): Plan {
  const g = geometry(s.layer.shape);
  const map = { width: g.width, height: g.height };
  const preset = s.view === "notebook" ? notebookChannels(g.channels) : undefined;
  const count = preset ? preset.length : g.channels;
  const available = Math.max(1, width);
  // A layer with a single map (a linear layer's output) may use the room a grid row would.
  const target = count === 1 ? Math.max(s.tileSize, Math.min(available, SINGLE_MAP_SCALE * s.tileSize)) : s.tileSize;
  const tile = tilePictureSize(map, target);
  // The notebook figure keeps its 4 columns: in a narrow view its tiles shrink instead.
  const columns = preset ? Math.max(1, Math.min(NOTEBOOK_GRID.columns, count)) : Math.max(1, Math.floor((available + GAP) / (tile.width + GAP)));
  const fit = Math.max(MIN_FIT_TILE, Math.floor((available - GAP * (columns - 1)) / columns));
  const layout = gridLayout(columns, tile.width <= fit ? tile : tilePictureSize(map, fit, true));
  return { map, count, preset, layout, rows: Math.ceil(count / layout.columns) };
}

/** Rows per band: half a screenful, so scrolling paints a little at a time. */
export function bandRows(plan: Plan, view: Viewport): number {
  return plan.preset ? Math.max(1, plan.rows) : Math.max(1, Math.ceil(view.height / plan.layout.pitchY / 2));
}

/** Rows to paint: all of the notebook figure; in the "all" view whole bands covering the visible rows and one more each side. */
export function windowRows(plan: Plan, view: Viewport): { readonly first: number; readonly end: number } {
  if (plan.preset) return { first: 0, end: plan.rows };
  const band = bandRows(plan, view);
  const top = Math.max(0, Math.floor(view.top / plan.layout.pitchY) - 1);
  const bottom = Math.floor((view.top + view.height) / plan.layout.pitchY) + 1;
  const first = Math.floor(top / band) * band;
  return { first, end: Math.max(first, Math.min(plan.rows, Math.ceil((bottom + 1) / band) * band)) };
}

/** The tile positions of some rows. */
export function rowRange(plan: Plan, rows: { readonly first: number; readonly end: number }): Range {
  return { start: rows.first * plan.layout.columns, end: Math.min(plan.count, rows.end * plan.layout.columns) };
}

/**
 * What to ask for when the window lacks tiles: all of the notebook figure; in the "all" view the
 * missing ones plus a window's worth of margin for scrolling, within one reply's limits.
 * Undefined when the store already holds the window.
 */
export function windowFetch(plan: Plan, view: Viewport, store: TileStore): Range | undefined {
  const window = rowRange(plan, windowRows(plan, view));
  const missing = store.missing(window.start, window.end);
  if (!missing) return undefined;
  if (plan.preset) return { start: 0, end: plan.count };
  const area = Math.max(1, plan.map.width * plan.map.height);
  const limit = Math.min(MAX_TILES_PER_REQUEST, Math.max(window.end - window.start, Math.floor(MAX_REPLY_BYTES / area)));
  const margin = Math.max(0, Math.floor((limit - (missing.end - missing.start)) / 2));
  const wide = store.missing(Math.max(0, missing.start - margin), Math.min(plan.count, missing.end + margin)) ?? missing;
  return { start: wide.start, end: Math.min(wide.end, wide.start + limit) };
}

export function layerRequest(s: GridSettings, plan: Plan, range: Range): LayerRequest {
  return {
    layer: s.layer.id,
    start: range.start,
    count: range.end - range.start,
    channels: plan.preset,
    order: plan.preset ? "index" : s.order,
    normalize: s.normalize,
    clipPercent: s.clipPercent,
  };
}

/** The bytes a reply for `range` carries: one byte an activation. */
export function replyBytes(plan: Plan, range: Range): number {
  return (range.end - range.start) * plan.map.width * plan.map.height;
}

/**
 * The order to prefetch other layers in: nearest in the list first, the next one down before the
 * one up (arrow keys walk the list, and the layers below come next in a model).
 */
export function nearestFirst<T>(list: readonly T[], current: number): T[] {
  const order: T[] = [];
  for (let d = 1; current + d < list.length || current - d >= 0; d++) {
    if (current + d < list.length) order.push(list[current + d]);
    if (current - d >= 0) order.push(list[current - d]);
  }
  return order;
}
