import type { ExplainMethod, OverlayColormap, ScoreReduction } from "./choices";

// What an explanation is asked for and what comes back, on both links (webview -> host ->
// inference process) and in the CLI.

export interface ExplainParams {
  readonly method: ExplainMethod;
  /** The layer whose activations are weighted; default the last with spatial size over 1. Occlusion has none. */
  readonly layer?: string;
  /** Default: the top-1 class. */
  readonly classIndex?: number;
  /** Default: the model's first output. */
  readonly output?: string;
  readonly reduce: ScoreReduction;
  /** Occlusion's window side and stride in input pixels, and the value the window is filled with. */
  readonly window: number;
  readonly stride: number;
  readonly baseline: number;
  /** Score-CAM: only this many channels, by mean activation. */
  readonly topChannels?: number;
}

export const EXPLAIN_DEFAULTS: ExplainParams = { method: "gradcam", reduce: "sum", window: 16, stride: 8, baseline: 0 };

/** The overlay's colormap unless one is chosen: jet, as pytorch-grad-cam's show_cam_on_image. */
export const EXPLAIN_COLORMAP: OverlayColormap = "jet";

export interface ClassScore {
  readonly index: number;
  readonly score: number;
  /** Softmax over the reduced scores of all classes. */
  readonly probability: number;
  /** ImageNet's name for a 1000-class head, a config's labels file, else absent. */
  readonly name?: string;
}

export interface ExplainReply {
  readonly method: ExplainMethod;
  readonly layer?: string;
  readonly classIndex: number;
  readonly score: number;
  /** The five best classes (fewer when the output has fewer). */
  readonly top: readonly ClassScore[];
  /** The raw map: the layer's resolution, or the input's for occlusion. */
  readonly height: number;
  readonly width: number;
  readonly map: Float32Array;
}
