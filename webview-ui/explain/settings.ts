import { EXPLAIN_METHODS, type ExplainMethod, oneOf, OVERLAY_COLORMAPS, type OverlayColormap } from "../../src/shared/choices";
import { EXPLAIN_DEFAULTS, type ExplainParams } from "../../src/shared/explain";
import type { ExplainViewChange, LayerInfo } from "../../src/shared/protocol";

// What the Explain view shows, as saved with the panel's state, and the pure rules around it.

export interface ExplainSettings {
  /** Side by side, in this order; never empty. */
  readonly methods: readonly ExplainMethod[];
  /** Unset: the default layer (the engine's rule, defaultLayer below). */
  readonly layer?: string;
  /** Unset: the top-1 class. */
  readonly classIndex?: number;
  readonly opacity: number;
  readonly colormap: OverlayColormap;
}

/** Opacity 0.5 is show_cam_on_image's image_weight 0.5. */
export const EXPLAIN_INITIAL: ExplainSettings = { methods: ["gradcam"], opacity: 0.5, colormap: OVERLAY_COLORMAPS[0] };

export const METHOD_LABELS: Readonly<Record<ExplainMethod, string>> = {
  gradcam: "Grad-CAM",
  hirescam: "HiResCAM",
  "gradcam++": "Grad-CAM++",
  eigencam: "EigenCAM",
  scorecam: "Score-CAM",
  occlusion: "Occlusion",
};

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function isOpacity(v: unknown): v is number {
  return typeof v === "number" && v >= 0 && v <= 1;
}

/** Known methods, each once, in the order given; undefined when none is left. */
function methodList(v: unknown): ExplainMethod[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const methods = [...new Set(v.filter((m): m is ExplainMethod => oneOf(EXPLAIN_METHODS, m)))];
  return methods.length > 0 ? methods : undefined;
}

/** Takes from saved settings only what is still valid. */
export function restoreExplain(saved: unknown): ExplainSettings {
  if (typeof saved !== "object" || saved === null) return EXPLAIN_INITIAL;
  const s = saved as Record<string, unknown>;
  return {
    methods: methodList(s.methods) ?? EXPLAIN_INITIAL.methods,
    layer: typeof s.layer === "string" && s.layer.length > 0 ? s.layer : undefined,
    classIndex: isIndex(s.classIndex) ? s.classIndex : undefined,
    opacity: isOpacity(s.opacity) ? s.opacity : EXPLAIN_INITIAL.opacity,
    colormap: oneOf(OVERLAY_COLORMAPS, s.colormap) ? s.colormap : EXPLAIN_INITIAL.colormap,
  };
}

/** Settings after a change from the host (commands, tests); null clears a layer or class back to its default. */
export function applyChange(settings: ExplainSettings, change: ExplainViewChange): ExplainSettings {
  const next = { ...settings, methods: methodList(change.methods) ?? settings.methods };
  if (change.layer !== undefined) next.layer = change.layer ?? undefined;
  if (change.classIndex !== undefined) next.classIndex = change.classIndex ?? undefined;
  if (isOpacity(change.opacity)) next.opacity = change.opacity;
  if (oneOf(OVERLAY_COLORMAPS, change.colormap)) next.colormap = change.colormap;
  return next;
}

/** The layers a class map can be made from: 4-D, with more than one spatial position. */
export function explainableLayers(layers: readonly LayerInfo[]): LayerInfo[] {
  return layers.filter((l) => l.shape.length === 4 && l.shape[2] * l.shape[3] > 1);
}

/** The engine's default: the last layer whose spatial size is over 1. */
export function defaultLayer(layers: readonly LayerInfo[]): LayerInfo | undefined {
  return explainableLayers(layers).at(-1);
}

/** One run: occlusion works on the input, so its layer is left out. */
export function explainParams(method: ExplainMethod, layer: string | undefined, classIndex: number | undefined): ExplainParams {
  return {
    ...EXPLAIN_DEFAULTS,
    method,
    ...(layer === undefined || method === "occlusion" ? {} : { layer }),
    ...(classIndex === undefined ? {} : { classIndex }),
  };
}

/** Equal for runs that give the same map. */
export function runKey(params: ExplainParams): string {
  return JSON.stringify([params.method, params.layer ?? null, params.classIndex ?? null]);
}
