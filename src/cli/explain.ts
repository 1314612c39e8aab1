import { Jimp } from "jimp";
import type { AnalyzeRequest, FeatureMapsEngine } from "../engine/engine";
import { readImage } from "../engine/image/decode";
import { writeNpy } from "../engine/formats/npy";
import { writeOutputFile } from "../engine/formats/output";
import { overlayCam, resizeMap, scaleCam } from "../shared/camImage";
import { EXPLAIN_METHODS, oneOf, type OverlayColormap, SCORE_REDUCTIONS, type ScoreReduction } from "../shared/choices";
import { colormapLut } from "../shared/colormaps";
import { EXPLAIN_DEFAULTS, type ExplainParams, type ExplainReply } from "../shared/explain";
import { UsageError, type Values } from "./modelOptions";

// `feature-maps explain` and `feature-maps predict`: the same engine calls as the panel's
// Explain view, written to files.

export const EXPLAIN_OPTIONS = {
  method: { type: "string" },
  class: { type: "string" },
  output: { type: "string" },
  reduce: { type: "string" },
  window: { type: "string" },
  stride: { type: "string" },
  baseline: { type: "string" },
  "top-channels": { type: "string" },
  npy: { type: "string" },
  opacity: { type: "string" },
  top: { type: "string" },
} as const;

/** Altered inputs per run for Score-CAM and occlusion in the CLI. */
const CLI_BATCH = 8;

export function wholeNumber(values: Values, name: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number of at least ${min}, got ${String(raw)}`);
  return n;
}

/** Which output and how its rows become one score per class. */
function scoreOptions(values: Values): { readonly reduce: ScoreReduction; readonly output?: string } {
  const reduce = values.reduce ?? EXPLAIN_DEFAULTS.reduce;
  if (!oneOf(SCORE_REDUCTIONS, reduce)) throw new UsageError(`--reduce takes ${SCORE_REDUCTIONS.join(" or ")}, got ${String(reduce)}`);
  return { reduce, ...(typeof values.output === "string" ? { output: values.output } : {}) };
}

export function explainParams(values: Values, layer: string | undefined): ExplainParams {
  const method = values.method ?? EXPLAIN_DEFAULTS.method;
  if (!oneOf(EXPLAIN_METHODS, method)) throw new UsageError(`--method takes ${EXPLAIN_METHODS.join(", ")}, got ${String(method)}`);
  const baseline = values.baseline === undefined ? EXPLAIN_DEFAULTS.baseline : Number(values.baseline);
  if (!Number.isFinite(baseline)) throw new UsageError(`--baseline takes a number, got ${String(values.baseline)}`);
  if (method === "occlusion" && layer !== undefined) throw new UsageError("occlusion works on the input: leave out --layer");
  const classIndex = wholeNumber(values, "class", 0);
  const topChannels = wholeNumber(values, "top-channels", 1);
  return {
    method,
    ...scoreOptions(values),
    window: wholeNumber(values, "window", 1) ?? EXPLAIN_DEFAULTS.window,
    stride: wholeNumber(values, "stride", 1) ?? EXPLAIN_DEFAULTS.stride,
    baseline,
    ...(layer === undefined ? {} : { layer }),
    ...(classIndex === undefined ? {} : { classIndex }),
    ...(topChannels === undefined ? {} : { topChannels }),
  };
}

/** The map over the image at the image's own size; over nothing (the map alone) for a tensor input. */
async function overlayPng(explanation: ExplainReply, image: string | undefined, colormap: OverlayColormap, opacity: number): Promise<Uint8Array> {
  const picture = image ? await readImage(image) : undefined;
  const width = picture?.width ?? explanation.width;
  const height = picture?.height ?? explanation.height;
  // Scaled, then resized: pytorch-grad-cam's scale_cam_image, as the panel draws it.
  const scaled = resizeMap(scaleCam(explanation.map), explanation.height, explanation.width, height, width, false);
  const rgba = overlayCam(picture?.rgba ?? new Uint8Array(width * height * 4), scaled, colormapLut(colormap), picture ? opacity : 1);
  const png = new Jimp({ width, height, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) });
  return new Uint8Array(await png.getBuffer("image/png"));
}

export interface ExplainTargets {
  readonly out: string;
  readonly image: string | undefined;
  readonly colormap: OverlayColormap;
}

export async function explainCommand(values: Values, engine: FeatureMapsEngine, request: AnalyzeRequest, params: ExplainParams, targets: ExplainTargets): Promise<void> {
  const opacity = values.opacity === undefined ? 0.5 : Number(values.opacity);
  if (!(opacity >= 0 && opacity <= 1)) throw new UsageError(`--opacity takes a number from 0 to 1, got ${String(values.opacity)}`);
  const npy = typeof values.npy === "string" ? values.npy : undefined;
  let last = -1;
  const progress = (done: number, total: number): void => {
    const percent = Math.floor((100 * done) / total);
    if (percent >= last + 10 || done === total) process.stderr.write(`${params.method}: ${done}/${total} runs\n`);
    if (percent >= last + 10) last = percent;
  };
  const { explanation } = await engine.explain(request, { ...params, batch: CLI_BATCH, progress });
  await writeOutputFile(targets.out, await overlayPng(explanation, targets.image, targets.colormap, opacity));
  if (npy) await writeOutputFile(npy, writeNpy(explanation.map, [explanation.height, explanation.width]));
  const top = explanation.top.find((c) => c.index === explanation.classIndex);
  const name = top?.name ? ` (${top.name})` : "";
  const where = explanation.layer ? ` at ${explanation.layer}` : "";
  process.stderr.write(`${explanation.method}${where}, class ${explanation.classIndex}${name}, score ${explanation.score.toPrecision(6)}: [${explanation.height}, ${explanation.width}] -> ${targets.out}${npy ? `, ${npy}` : ""}\n`);
}

/** The top-k classes as JSON, from a plain forward run. */
export async function predictCommand(values: Values, engine: FeatureMapsEngine, request: AnalyzeRequest): Promise<void> {
  const k = wholeNumber(values, "top", 1) ?? 5;
  const { reduce, output } = scoreOptions(values);
  const scores = await engine.predict(request, reduce, output, k);
  process.stdout.write(`${JSON.stringify(scores, null, 1)}\n`);
}
