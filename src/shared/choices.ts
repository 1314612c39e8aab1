// Every set of allowed values, each written once: the types, the validators of messages, saved
// webview state, settings and CLI options all derive from these lists, and so do the defaults.

import type { ColormapName, LutName } from "./colormaps";
import type { NormalizeMode } from "./normalize";

export const GRID_VIEWS = ["notebook", "all"] as const;
export type GridView = (typeof GRID_VIEWS)[number];

/** The apps of the one webview bundle: the host names one in the page, main.ts starts it. */
export const WEBVIEW_APPS = ["maps", "compare", "scan"] as const;
export type WebviewApp = (typeof WEBVIEW_APPS)[number];

/** The image files Feature Maps reads: the Explorer menu's regex (package.json), pickers, folder scans. */
export const IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff"] as const;

/** What a folder scan's result exports as. */
export const SCAN_EXPORTS = ["json", "csv"] as const;
export type ScanExport = (typeof SCAN_EXPORTS)[number];

/** What the panel's main area shows: the feature-map grid or the Explain view. */
export const PANEL_VIEWS = ["grid", "explain"] as const;
export type PanelView = (typeof PANEL_VIEWS)[number];

/** What a panel's navigation does: step through its image's folder, through its history, or hold its image. */
export const NAV_ACTIONS = ["previous", "next", "back", "forward", "lock", "unlock"] as const;
export type NavAction = (typeof NAV_ACTIONS)[number];

export const CHANNEL_ORDERS = ["index", "mean", "max"] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

export const EXPORT_KINDS = ["png", "npy"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Compare: one range per channel or per layer, each shared by A and B. */
export const COMPARE_RANGES = ["channel", "layer"] as const;
export type CompareRange = (typeof COMPARE_RANGES)[number];
/** Compare exports: the panel as painted, or A, B and A - B of the layer. */
export const COMPARE_EXPORT_KINDS = ["png", "npz"] as const;
export type CompareExportKind = (typeof COMPARE_EXPORT_KINDS)[number];

export const PROVIDER_NAMES = ["cuda", "cpu"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export const PROVIDER_CHOICES = ["auto", ...PROVIDER_NAMES] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/**
 * How an analysis holds its layers: all from one run, or each computed when asked for (a model
 * and size whose layers together are over the memory budget).
 */
export const KEEPS = ["all", "requested"] as const;
export type Keeps = (typeof KEEPS)[number];

/** The order of the colour planes in a model's input tensor. */
/** How an output with several rows (or positions) becomes one score per class. */
export const SCORE_REDUCTIONS = ["sum", "mean"] as const;
export type ScoreReduction = (typeof SCORE_REDUCTIONS)[number];

/** Explanation methods: the first three need the score's gradient, the others none. */
export const EXPLAIN_METHODS = ["gradcam", "hirescam", "gradcam++", "eigencam", "scorecam", "occlusion"] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];
export const GRADIENT_METHODS: readonly ExplainMethod[] = ["gradcam", "hirescam", "gradcam++"];

/** The Explain overlay's colormaps; jet first, as pytorch-grad-cam's show_cam_on_image paints. */
export const OVERLAY_COLORMAPS = ["jet", "turbo", "viridis"] as const satisfies readonly LutName[];
export type OverlayColormap = (typeof OVERLAY_COLORMAPS)[number];

export const PIXEL_ORDERS = ["bgr", "rgb"] as const;
export type PixelOrder = (typeof PIXEL_ORDERS)[number];

/** A model's precision: the element type of most of its weights; uint8 and int8 are quantized models. */
export const MODEL_DTYPES = ["float32", "float16", "bfloat16", "float64", "uint8", "int8"] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

/** How a model's precision reads in a label: `float16`, `uint8 quantized`. */
export function dtypeLabel(dtype: ModelDtype): string {
  return dtype === "uint8" || dtype === "int8" ? `${dtype} quantized` : dtype;
}

export const LAYER_KINDS = ["conv", "activation", "pool", "norm", "dropout", "linear", "output", "other"] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

/** torchvision models the engine builds by name (`--arch`, a config's `{ "torchvision": NAME }`). */
export const TORCHVISION_ARCHS = [
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "vgg11",
  "vgg13",
  "vgg16",
  "vgg19",
  "vgg11_bn",
  "vgg13_bn",
  "vgg16_bn",
  "vgg19_bn",
  "alexnet",
  "squeezenet1_0",
  "squeezenet1_1",
  "mobilenet_v2",
  "mobilenet_v3_small",
  "mobilenet_v3_large",
  "densenet121",
  "efficientnet_b0",
] as const;
export type TorchvisionArch = (typeof TORCHVISION_ARCHS)[number];

/** Percentile clipping the panel offers: 1 clips below the 1st and above the 99th percentile. */
export const CLIP_PERCENTS = [0, 0.5, 1, 2, 5] as const;
/** The largest clip a request may ask for: beyond it the low and high percentiles cross. */
export const MAX_CLIP_PERCENT = 50;

export const TILE_SIZES = [32, 48, 64, 96, 128, 192, 256] as const;

/** Below this no model runs: onnxruntime and a small model take about this much themselves. */
export const MIN_MEMORY_BUDGET_MB = 128;

export function oneOf<T>(values: readonly T[], value: unknown): value is T {
  return (values as readonly unknown[]).includes(value);
}

export interface Defaults {
  readonly colormap: ColormapName;
  readonly normalize: NormalizeMode;
  readonly view: GridView;
  readonly order: ChannelOrder;
  readonly clipPercent: number;
  readonly tileSize: number;
  readonly provider: ProviderChoice;
  readonly maxMegapixels: number;
  readonly memoryBudgetMB: number;
  readonly timeoutSeconds: number;
}

/** The one home of defaults that more than one world uses. */
export const DEFAULTS: Defaults = {
  colormap: "viridis",
  normalize: "channel",
  view: "notebook",
  order: "index",
  clipPercent: 0,
  tileSize: 128,
  provider: "auto",
  maxMegapixels: 64,
  memoryBudgetMB: 1024,
  timeoutSeconds: 120,
};
