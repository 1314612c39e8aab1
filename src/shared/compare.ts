import type { CompareExportKind, CompareRange } from "./choices";
import type { ColormapName } from "./colormaps";
import type { ExportReply, LayerInfo, Picture } from "./protocol";
import type { Method } from "./rpc";

// Compare Feature Maps: A and B (two images through one model, or one image through two models
// or weights) on one layer. The numbers are the engine's (src/engine/compare/); the webview only
// paints the bytes it is sent.

/** How much can be compared when the two layers' shapes differ. */
export const COMPARABLE = ["maps", "resized", "statistics"] as const;
export type Comparable = (typeof COMPARABLE)[number];

export interface CompareRequest {
  readonly layer: string;
  /** Positions in the similarity order (least similar first): [start, start + count). */
  readonly start: number;
  readonly count: number;
  readonly range: CompareRange;
}

/** One side's layer in a few numbers, for "statistics" comparisons and the header. */
export interface SideSummary {
  readonly shape: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

export interface CompareReply {
  readonly layer: string;
  readonly comparable: Comparable;
  /** Why A and B are not compared map by map, or how B was resized to A's size. */
  readonly note?: string;
  readonly a: SideSummary;
  readonly b: SideSummary;
  /** Channels and map size shown (A's), 0 channels when only statistics compare. */
  readonly totalChannels: number;
  readonly height: number;
  readonly width: number;
  /** By channel index: cosine similarity and Pearson correlation (NaN where undefined, see FIDELITY.md). */
  readonly cosine: Float64Array;
  readonly correlation: Float64Array;
  /** Every channel, least similar (lowest cosine) first. */
  readonly order: Int32Array;
  /** The channels of this reply, in order, and per channel count * height * width bytes of A, B and A - B. */
  readonly channels: Int32Array;
  readonly tilesA: Uint8Array;
  readonly tilesB: Uint8Array;
  readonly tilesDiff: Uint8Array;
  /** Per channel shown: the range A and B share (0..255 of both tiles), and ±limit of A - B. */
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly limit: Float32Array;
  /**
   * Only when a shown map holds NaN or an infinity: one mask byte per tile byte of A, B and A - B
   * (as LayerReply.nonFinite), painted in the fixed colours of src/shared/colormaps.ts.
   */
  readonly masks?: { readonly a: Uint8Array; readonly b: Uint8Array; readonly diff: Uint8Array };
}

export interface CompareSide {
  readonly label: string;
  /** The model's input as the model sees it, absent for a tensor input. */
  readonly input?: Picture;
}

export interface CompareOpened {
  readonly a: CompareSide;
  readonly b: CompareSide;
  /** Layers of A that B has too (by id), in A's order. */
  readonly layers: readonly LayerInfo[];
}

/** What the compare webview asks the host. */
export type CompareHostMethods = {
  /** Runs both sides (or finds them cached). */
  readonly open: Method<Record<string, never>, CompareOpened>;
  readonly compare: Method<{ readonly request: CompareRequest }, CompareReply>;
  readonly exportCompare: Method<{ readonly kind: CompareExportKind; readonly layer: string }, ExportReply>;
};

/** Where each channel's A | B | A - B sit on the snapshot, with the ranges they were painted with. */
export interface CompareSnapshot {
  readonly picture: Picture;
  readonly layer: string;
  readonly range: CompareRange;
  readonly channels: readonly number[];
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly gap: number;
  readonly colormap: ColormapName;
  readonly diffColormap: ColormapName;
  readonly low: readonly number[];
  readonly high: readonly number[];
  readonly limit: readonly number[];
}

/** What the host asks the compare webview. */
export type CompareWebviewMethods = {
  /** The panel as painted now; undefined picture fields when nothing is painted yet. */
  readonly snapshot: Method<Record<string, never>, CompareSnapshot>;
  /** Shows a layer and/or range mode (commands, tests); answers once painted. */
  readonly show: Method<{ readonly layer?: string; readonly range?: CompareRange }, CompareSnapshot>;
};

/** Channels one compare request may ask for; each is three tiles. */
export const MAX_COMPARE_CHANNELS = 256;
/** Tile bytes one compare reply may carry (A, B and A - B together): large maps get fewer channels a page. */
export const MAX_COMPARE_TILE_BYTES = 48 * 1024 * 1024;

/** How many of `count` channels of height x width maps one reply carries: at least one. */
export function comparePage(count: number, height: number, width: number): number {
  return Math.max(1, Math.min(count, Math.floor(MAX_COMPARE_TILE_BYTES / (3 * Math.max(1, height * width)))));
}
