import type { ScanExport } from "./choices";
import type { ErrorData } from "./errors";
import type { Picture } from "./protocol";

// A folder scan's result: what the engine computes, the CLI prints, the host caches and the scan
// view shows. Plain data in a fixed key order, so its JSON is the same bytes for the same folder.

/** Bumped whenever a field changes meaning; readers refuse other versions. */
export const SCAN_SCHEMA = "feature-maps-scan/1";

/** What a scan takes: images in a folder (the setting's default and bounds), best images kept per channel, images per run. */
export const SCAN_LIMITS = {
  defaultMaxImages: 10_000,
  maxImages: [1, 1_000_000],
  defaultTop: 5,
  top: [1, 100],
  defaultBatch: 16,
  batch: [1, 256],
} as const satisfies Record<string, number | readonly [number, number]>;

/** An image among a channel's best: its path relative to the folder, and its value. */
export interface ScanHit {
  readonly path: string;
  readonly value: number;
}

export interface ScanChannel {
  readonly channel: number;
  /**
   * The mean over the folder's images of each image's mean activation in this channel; null
   * when no image gave it a finite value (non-finite values are left out throughout).
   */
  readonly mean: number | null;
  /** The largest value of this channel in any image; null as for `mean`. */
  readonly max: number | null;
  /** No value above 0 in any image: nothing passes a following ReLU. */
  readonly dead: boolean;
  /** The images with the highest mean activation, best first (ties: path order). */
  readonly topByMean: readonly ScanHit[];
  /** The images with the highest single activation, best first (ties: path order). */
  readonly topByMax: readonly ScanHit[];
}

/** An image that could not be scanned: listed, never fatal. */
export interface ScanFailure {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface ScanResult {
  readonly schema: typeof SCAN_SCHEMA;
  readonly model: string;
  readonly layer: string;
  /** The layer's shape for one image, without the batch axis: [C, H, W] (or [C] for a vector). */
  readonly shape: readonly number[];
  readonly input: { readonly height: number; readonly width: number };
  readonly top: number;
  /** Images scanned, and found (scanned plus failed). */
  readonly scanned: number;
  readonly found: number;
  readonly failed: readonly ScanFailure[];
  readonly deadChannels: readonly number[];
  readonly channels: readonly ScanChannel[];
}

/** One scan's progress: images done (scanned or failed) of those found. */
export interface ScanProgress {
  readonly done: number;
  readonly total: number;
}

/** One of a channel's best images, as the scan view shows it: the picture and the channel's raw map over it. */
export type ScanThumbnail =
  | { readonly path: string; readonly picture: Picture; readonly map: Float32Array; readonly mapHeight: number; readonly mapWidth: number }
  | { readonly path: string; readonly error: ErrorData };

/** What the scan view shows now, for tests and the host: the channel, its thumbnails as painted, the failures listed. */
export interface ScanViewReport {
  readonly channel: number;
  readonly topByMean: readonly string[];
  readonly topByMax: readonly string[];
  /** Thumbnails painted with their overlay. */
  readonly painted: number;
  readonly failed: readonly string[];
  readonly bars: number;
  readonly dead: readonly number[];
}

/** Host to scan view. */
export type ScanToView =
  | { readonly type: "scanResult"; readonly result: ScanResult; readonly folder: string }
  | { readonly type: "scanThumbnails"; readonly channel: number; readonly thumbnails: readonly ScanThumbnail[] }
  | { readonly type: "scanReport"; readonly id: number };

/** Scan view to host; the host checks each (src/host/scan/scanMessages.ts). */
export type ScanFromView =
  | { readonly type: "ready" }
  | { readonly type: "scanThumbnails"; readonly channel: number }
  | { readonly type: "scanOpen"; readonly path: string; readonly channel: number }
  | { readonly type: "scanExport"; readonly format: ScanExport }
  | { readonly type: "scanReport"; readonly id: number; readonly report: ScanViewReport };
