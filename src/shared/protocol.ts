// The one contract between the extension host and the webviews (the panel and the side view).
// Neither `vscode` nor the DOM is imported here: both worlds compile this file.
// Sets of allowed values live in ./choices.ts, errors in ./errors.ts, the request mechanism in ./rpc.ts.
// Activations always travel as exact-size typed arrays (structured clone keeps them binary);
// never as JSON arrays or Node Buffers (a Buffer is a view on a larger pooled ArrayBuffer).

import type { ChannelOrder, ExplainMethod, ExportKind, GridView, Keeps, LayerKind, ModelDtype, NavAction, OverlayColormap, PanelView, ProviderChoice, ProviderName } from "./choices";
import type { ColormapName } from "./colormaps";
import type { ErrorData } from "./errors";
import type { NonFiniteCounts } from "./nonFinite";
import type { NormalizeMode } from "./normalize";
import type { Method } from "./rpc";
import type { ExplainParams, ExplainReply } from "./explain";

export type { ChannelOrder, ExportKind, GridView, LayerKind, PanelView, ProviderChoice, ProviderName };

/** The most tiles one layer request may ask for; the host refuses more. */
export const MAX_TILES_PER_REQUEST = 4096;

export interface LayerInfo {
  /** Stable id used in requests: a PyTorch module name (`features.30`) or an ONNX tensor name. */
  readonly id: string;
  /** What the user reads: the same as id for PyTorch names, a shortened tensor name otherwise. */
  readonly name: string;
  readonly op: string;
  readonly kind: LayerKind;
  readonly shape: readonly number[];
  /** The ONNX tensor holding it, when that differs from the id (foreign and exported models). */
  readonly tensor?: string;
  /** The tensor's element type when not float32 (float16, bfloat16, float64): its values are shown converted to float32. */
  readonly dtype?: string;
  /** The tensor is [N, H, W, C] in the model; it is shown, dumped and shaped as [N, C, H, W]. */
  readonly layout?: "nhwc";
  /**
   * The id of the module layer it sits in (`layer1.0` for `layer1.0.conv1`), for the module tree
   * of an exported PyTorch model; absent at the top and in flat models.
   */
  readonly parent?: string;
}

export interface ProviderReport {
  readonly wanted: ProviderChoice;
  readonly used: ProviderName;
  /** Why CUDA was not used when it was wanted; absent when it was not wanted or did run. */
  readonly reason?: string;
  /**
   * The reason is no cause for a warning: `auto` on a machine without an NVIDIA GPU, where the
   * CPU is what was expected. It is then shown only on request (a tooltip).
   */
  readonly quiet?: boolean;
  /** Installing the CUDA provider (Feature Maps: Install GPU Acceleration) is what would fix it. */
  readonly installable?: boolean;
}

/** min, max, mean, std and zeros describe the finite values only; all are 0 when there are none. */
export interface ChannelStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Share of exact zeros among the finite values, 0..1. */
  readonly zeros: number;
  /** How many values are finite: 0 means there is no range to show. */
  readonly finite: number;
  /** The values left out of everything above, by kind. */
  readonly nonFinite: NonFiniteCounts;
}

export interface LayerStats extends ChannelStats {
  readonly channels: number;
  /**
   * Channels with no value above 0, where +Inf is above (nothing passes a following ReLU). NaN
   * says nothing either way: a channel of only NaN is not counted.
   */
  readonly deadChannels: number;
}

export interface ModelView {
  readonly label: string;
  /** The precision of the model's weights. */
  readonly dtype: ModelDtype;
  readonly keeps: Keeps;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly layers: readonly LayerInfo[];
  readonly provider: ProviderReport;
}

/** An RGBA picture, 4 bytes a pixel, row-major. */
export interface Picture {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
}

export interface ImageView {
  readonly fileName: string;
  readonly original: Picture;
  /** The input as the model sees it: resized, in the model's channel order shown as RGB. */
  readonly modelInput: Picture;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

export interface LayerRequest {
  readonly layer: string;
  /** Positions in the chosen order, not channel indices: [start, start + count). */
  readonly start: number;
  readonly count: number;
  /** Explicit channel indices (the notebook preset); overrides start/count/order when given. */
  readonly channels?: readonly number[];
  readonly order: ChannelOrder;
  readonly normalize: NormalizeMode;
  /** Percentile clipping, 0 for none, e.g. 1 clips below the 1st and above the 99th percentile. */
  readonly clipPercent: number;
}

export interface LayerReply {
  readonly layer: string;
  /** The layer's full tensor shape. */
  readonly shape: readonly number[];
  readonly totalChannels: number;
  readonly height: number;
  readonly width: number;
  /** Channel index of each tile, in display order. */
  readonly channels: Int32Array;
  /** count * height * width bytes, tile after tile; 0..255 maps low..high of the tile's range. */
  readonly tiles: Uint8Array;
  /** Per tile: the real values that 0 and 255 stand for (the colorbar's ends). */
  readonly low: Float32Array;
  readonly high: Float32Array;
  /**
   * Only when a tile of the reply holds NaN or an infinity, so ordinary replies do not grow: one
   * byte per tile byte, 0 where the value is finite, else its kind's mask code (src/shared/nonFinite.ts).
   */
  readonly nonFinite?: Uint8Array;
  readonly stats: LayerStats;
}

export interface ChannelReply {
  readonly layer: string;
  readonly channel: number;
  readonly height: number;
  readonly width: number;
  /** The raw activation, height * width float32 values. */
  readonly values: Float32Array;
  readonly stats: ChannelStats;
}

export interface ExportReply {
  /** Where the file was written, or undefined when the user cancelled the save dialog. */
  readonly path?: string;
}

/** A layer request with its answer, sent before it is asked (see `loaded.first`). */
export interface LayerTiles {
  readonly request: LayerRequest;
  readonly reply: LayerReply;
}

// ---- requests with replies, both ways (src/shared/rpc.ts carries them) --------------------------

/** What a webview asks the extension host. */
export type HostMethods = {
  /** `shown`: tiles of the grid on screen, not a prefetch; the host sends the same ones with its next result. */
  readonly layer: Method<{ readonly request: LayerRequest; readonly shown: boolean }, LayerReply>;
  readonly channel: Method<{ readonly layer: string; readonly channel: number }, ChannelReply>;
  /** png saves the grid as painted (the host asks for a snapshot); npy the layer's raw tensor. */
  readonly export: Method<{ readonly kind: ExportKind; readonly layer: string }, ExportReply>;
  /** A class map of the image shown; progress per batch for the multi-pass methods. */
  readonly explain: Method<{ readonly explain: ExplainParams }, ExplainReply>;
  /** The Explain view's overlay of `method` as painted (png) or its raw map (npy); the host asks for them. */
  readonly exportExplain: Method<{ readonly kind: ExportKind; readonly method: ExplainMethod }, ExportReply>;
};

/** What the extension host asks a webview. */
export type WebviewMethods = {
  /** The grid as painted (export, tests). */
  readonly snapshot: Method<Record<string, never>, Snapshot>;
  /** The Explain view's overlay of `method` (else the first shown) as painted, with its raw map (export, tests). */
  readonly overlay: Method<{ readonly method?: ExplainMethod }, OverlaySnapshot>;
};

/** One overlay of the Explain view: the pixels on its canvas and the map they were made from. */
export interface OverlaySnapshot {
  readonly picture: Picture;
  readonly method: ExplainMethod;
  readonly layer?: string;
  readonly classIndex: number;
  readonly opacity: number;
  readonly colormap: OverlayColormap;
  /** The raw map, [height, width], as the engine gave it. */
  readonly height: number;
  readonly width: number;
  readonly map: Float32Array;
}

/** What the Explain view shows; each field left out keeps its current value. */
export interface ExplainViewChange {
  /** Side by side, in this order; at least one. */
  readonly methods?: readonly ExplainMethod[];
  /** null: the default layer (the last whose spatial size is over 1). */
  readonly layer?: string | null;
  /** null: the top-1 class. */
  readonly classIndex?: number | null;
  readonly opacity?: number;
  readonly colormap?: OverlayColormap;
}

export interface Snapshot {
  readonly picture: Picture;
  readonly layout: GridLayoutInfo;
}

/** Where each tile sits on the snapshot picture, so a reader can find a channel's pixels. */
export interface GridLayoutInfo {
  readonly layer: string;
  readonly channels: readonly number[];
  readonly columns: number;
  /** Pixel size of one tile on the picture, and the gap between tiles. */
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly gap: number;
  readonly colormap: ColormapName;
}

// ---- notices: webview -> host ----------------------------------------------------------------

export type ToHost =
  | { readonly type: "ready" }
  | { readonly type: "openSettings" }
  | { readonly type: "retry" }
  /** The user pressed the button of the current `hint`; the host knows what it does. */
  | { readonly type: "hintAction" }
  /** After every paint of the grid: what is on screen (drives the status bar and tests). */
  | {
      readonly type: "painted";
      readonly layer: string;
      /** The channels on screen, in display order. */
      readonly channels: readonly number[];
      /** How many tiles the grid holds; in the "all" view more than are on screen. */
      readonly tiles: number;
      readonly view: GridView;
    }
  /** A button of the panel's navigation (PanelNav). */
  | { readonly type: "navigate"; readonly action: NavAction }
  /** After every render of an Explain overlay: what it shows (tests). */
  | {
      readonly type: "explained";
      readonly method: ExplainMethod;
      readonly layer?: string;
      readonly classIndex: number;
      readonly opacity: number;
      readonly colormap: OverlayColormap;
    };

// ---- notices: host -> webview ----------------------------------------------------------------

export interface DisplayDefaults {
  readonly colormap: ColormapName;
  readonly normalize: NormalizeMode;
}

/** Where a panel is in its image's folder and its history, and whether it follows the user's clicks. */
export interface PanelNav {
  /** The image's URI: the webview keeps it (and `locked`) so a reloaded window restores the panel. */
  readonly resource: string;
  readonly locked: boolean;
  /** The image's place in its folder, 1-based, and how many images the folder has; 0 of 0 while unknown. */
  readonly index: number;
  readonly count: number;
  readonly can: Readonly<Record<Exclude<NavAction, "lock" | "unlock">, boolean>>;
}

export type ToWebview =
  | { readonly type: "busy"; readonly message: string }
  /** Only panels get it: the side view has no navigation. */
  | { readonly type: "panelNav"; readonly nav: PanelNav }
  | {
      readonly type: "loaded";
      readonly model: ModelView;
      /**
       * Left out when it is the image of the view's last `loaded` (a config edit re-runs the model
       * on it), or when `imageFollows`: in the web workbench a message's delivery grows with its size.
       */
      readonly image?: ImageView;
      /** A view showing another image gets this one in an `image` message right after, so that the tiles do not wait behind its pictures. */
      readonly imageFollows?: true;
      readonly defaults: DisplayDefaults;
      /** Layers a config pins; the view shows them first. */
      readonly pinned: readonly string[];
      /** The tiles the view is expected to ask for first, sent along to save a round trip. */
      readonly first?: LayerTiles;
    }
  /** The image of the `loaded` just before, which said `imageFollows`. */
  | { readonly type: "image"; readonly image: ImageView }
  /** A newer input changed only how the result is shown (a config's display or pinned layers): nothing re-runs. */
  | { readonly type: "display"; readonly defaults: DisplayDefaults; readonly pinned: readonly string[] }
  /** `keepResult`: the result shown before stays, marked as out of date. */
  | { readonly type: "failed"; readonly error: ErrorData; readonly hint?: string; readonly keepResult: boolean }
  | { readonly type: "hint"; readonly message: string; readonly action?: { readonly label: string; readonly command: string } }
  | { readonly type: "selectLayer"; readonly layer: string; readonly view?: GridView; readonly channel?: number }
  /** Switches the panel's main area; `explain` changes what the Explain view shows. */
  | { readonly type: "showView"; readonly view: PanelView; readonly explain?: ExplainViewChange };
