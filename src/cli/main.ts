#!/usr/bin/env node
import { parseArgs } from "util";
import { FeatureMapsEngine } from "../engine/engine";
import { writeNpy } from "../engine/formats/npy";
import { writeSafetensors } from "../engine/formats/safetensors";
import { outputTarget, writeOutputFile } from "../engine/formats/output";
import { seededStateDict } from "../engine/model/models";
import { renderGridPng } from "../engine/analysis/renderGrid";
import { notebookChannels, NOTEBOOK_GRID } from "../shared/presets";
import type { LayerRequest } from "../shared/protocol";
import { analyzeRequest, colormapOption, inputArraySize, MODEL_OPTIONS, modelSource, loadConfig, normalizeOption, preprocessingOverrides, UsageError, type Values } from "./modelOptions";
import { DEFAULTS, dtypeLabel, MAX_CLIP_PERCENT, MIN_MEMORY_BUDGET_MB, oneOf, PROVIDER_CHOICES, OVERLAY_COLORMAPS } from "../shared/choices";
import type { ModelConfig } from "../engine/model/config";
import { dumpAll } from "./dumpAll";
import { readImage } from "../engine/image/decode";
import { FeatureMapsError } from "../shared/errors";
import { EXPLAIN_OPTIONS, explainCommand, explainParams, predictCommand } from "./explain";
import { EXPLAIN_COLORMAP } from "../shared/explain";
import type { AnalyzeRequest } from "../engine/engine";
import { SCAN_OPTIONS, scanCommand } from "./scan";

const USAGE = `feature-maps: what each layer of a CNN sees

  feature-maps layers [MODEL.onnx] [--image IMG]          layers as JSON: id, name, op, tensor, shape
                                                          (from the ops, without a run where possible)
  feature-maps dump IMG --layer ID [MODEL.onnx] --out F.npy   one layer as float32 .npy
  feature-maps dump IMG --all [MODEL.onnx] --out F.npz        every layer in one .npz (np.load)
  feature-maps render IMG --layer ID [MODEL.onnx] --out F.png [--channels 0,5,9 | --grid RxC]
                        [--colormap viridis] [--normalize channel|layer|global|symmetric] [--clip PCT]
  feature-maps weights [--seed N] [--arch NAME] --out F.safetensors   a model's seeded weights
  feature-maps explain IMG [MODEL.onnx] --out F.png [--method gradcam|hirescam|gradcam++|eigencam|
                        scorecam|occlusion] [--layer ID] [--class C] [--output NAME] [--reduce sum|mean]
                        [--window 16 --stride 8 --baseline 0] [--top-channels K] [--npy MAP.npy]
                        [--colormap jet|turbo|viridis] [--opacity 0.5]      a class heatmap over the image
  feature-maps predict IMG [MODEL.onnx] [--top 5] [--output NAME] [--reduce sum|mean]  top classes as JSON
  feature-maps scan DIR --layer ID [MODEL.onnx] [--top 5] [--out F.json] [--csv F.csv] [--max-images 10000]
                        [--batch 16]   every image under DIR: per channel the mean, dead channels and
                        the top images by mean and by max activation, as JSON (progress on stderr)

Model: none = built-in XAI with seed 0; --seed N; --weights F.safetensors|F.pth [--weights-key K]
       (a torch.save checkpoint; K picks its state_dict when it holds several); --model F.onnx;
       --arch NAME: a torchvision model (resnet18, vgg16_bn, ...; with --seed or --weights);
       --config F.featuremaps.json (its model, input settings, and first image when IMG is omitted)
Input: --size HxW, --channel-order bgr|rgb, --mean a,b,c, --std a,b,c, --input-npy F.npy
       (instead of IMG: float arrays are fed as they are; uint8 ones as 8-bit planes, scaled like ToTensor)
Runtime: --provider auto|cuda|cpu (default auto), --memory-budget MB (default 1024): what the layers
         of one analysis may take; over it, only the asked layer is computed
Layer ids: PyTorch names (features.30; plain 30 means features.30 on the built-in model), else ONNX tensor names.`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  ...EXPLAIN_OPTIONS,
  ...SCAN_OPTIONS,
  image: { type: "string" },
  layer: { type: "string" },
  out: { type: "string" },
  channels: { type: "string" },
  grid: { type: "string" },
  colormap: { type: "string" },
  normalize: { type: "string" },
  clip: { type: "string" },
  "memory-budget": { type: "string" },
  all: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/** --out, refused before any work when it cannot be written (a device, a folder). */
async function outOption(values: Values): Promise<string> {
  const out = required(values, "out");
  await outputTarget(out);
  return out;
}

function engineFor(values: Values): FeatureMapsEngine {
  const provider = values.provider ?? DEFAULTS.provider;
  if (!oneOf(PROVIDER_CHOICES, provider)) throw new UsageError(`--provider takes ${PROVIDER_CHOICES.slice(0, -1).join(", ")} or ${PROVIDER_CHOICES.at(-1)}, got ${String(provider)}`);
  const budget = values["memory-budget"] === undefined ? DEFAULTS.memoryBudgetMB : Number(values["memory-budget"]);
  if (!(Number.isInteger(budget) && budget >= MIN_MEMORY_BUDGET_MB)) throw new UsageError(`--memory-budget takes a whole number of MB, at least ${MIN_MEMORY_BUDGET_MB}, got ${String(values["memory-budget"])}`);
  return new FeatureMapsEngine({ provider, maxSessions: 1, memoryBudgetMB: budget });
}

function positionalModel(rest: string[]): string | undefined {
  return rest.find((a) => a.toLowerCase().endsWith(".onnx"));
}

/** The input size `layers` lists shapes at: --input-npy's own, else the model's as options change it. */
async function layersSize(values: Values, defaults: { height: number; width: number }, config: ModelConfig | undefined): Promise<{ height: number; width: number }> {
  const npy = typeof values["input-npy"] === "string" ? values["input-npy"] : undefined;
  if (npy) return inputArraySize(values, npy, config);
  return { ...defaults, ...config?.preprocessing, ...preprocessingOverrides(values) };
}

/**
 * Layers with their shapes at the input size, worked out without running the model wherever that
 * can be done: a large model's layers are listed in the memory of its weights, not of its maps.
 * The shapes do not depend on the image, only on its size after preprocessing.
 */
async function layers(values: Values, rest: string[]): Promise<void> {
  const engine = engineFor(values);
  // An image given is read, so a broken one is reported as it would be by dump and render.
  if (typeof values.image === "string") {
    if (typeof values["input-npy"] === "string") throw new UsageError("give an image or --input-npy, not both");
    await readImage(values.image, DEFAULTS.maxMegapixels);
  }
  const config = typeof values.config === "string" ? await loadConfig(values.config) : undefined;
  const model = modelSource(values, positionalModel(rest), config);
  const runner = await engine.open(model);
  const { height, width } = await layersSize(values, runner.model.defaults, config);
  const planned = await engine.plan(model, height, width);
  const [list, estimated] = [planned.layers, new Set(planned.estimated)];
  const lines = list.map(({ id, name, op, tensor, dtype, layout, shape }) =>
    JSON.stringify({ id, name, op, tensor: tensor ?? id, ...(dtype ? { dtype } : {}), ...(layout ? { layout } : {}), shape, ...(estimated.has(id) ? { estimated: true } : {}) }),
  );
  process.stdout.write(`[\n${lines.join(",\n")}\n]\n`);
  const m = runner.model;
  process.stderr.write(`${m.label}: ${dtypeLabel(m.dtype ?? "float32")}, input [${(m.nhwc ? [1, height, width, m.inputChannels] : [1, m.inputChannels, height, width]).join(", ")}]${m.nhwc ? " (NHWC)" : ""}, ${list.length} layers\n`);
  engine.dispose();
}

/** The analysis of the image; with `withLayer`, --layer is resolved first, so an unknown id costs no run. */
async function analysisFor(values: Values, rest: string[], withLayer: boolean) {
  const image = rest.find((a) => !a.toLowerCase().endsWith(".onnx"));
  const request = await analyzeRequest(values, image, positionalModel(rest));
  if (!request) throw new UsageError("give an image (or --input-npy)");
  const engine = engineFor(values);
  const layer = withLayer ? await engine.layerId(request.model, required(values, "layer")) : "";
  return { engine, layer, analysis: await engine.analyze(request) };
}

async function dump(values: Values, rest: string[]): Promise<void> {
  if (values.all && values.layer !== undefined) throw new UsageError("give --layer or --all, not both");
  const out = await outOption(values);
  if (values.all && !out.toLowerCase().endsWith(".npz")) throw new UsageError(`--all writes an .npz (every layer in one file); --out ${out} does not end in .npz`);
  const { engine, analysis, layer } = await analysisFor(values, rest, !values.all);
  if (values.all) {
    const bytes = await dumpAll(analysis, out);
    process.stderr.write(`${analysis.model.layers.length} layers (${Math.ceil(bytes / 2 ** 20)} MB) -> ${out}\n`);
  } else {
    const a = await analysis.activation(layer);
    await writeOutputFile(out, writeNpy(a.data, a.shape));
    process.stderr.write(`${layer} [${a.shape.join(", ")}] -> ${out}\n`);
  }
  engine.dispose();
}

/** The squarest grid that holds `count` tiles: 1 channel is one picture, 5 are 3x2. */
function fittingGrid(count: number): { rows: number; columns: number } {
  const columns = Math.max(1, Math.ceil(Math.sqrt(count)));
  return { rows: Math.max(1, Math.ceil(count / columns)), columns };
}

function gridOption(values: Values): { rows: number; columns: number } | undefined {
  if (typeof values.grid !== "string") return undefined;
  const m = /^(\d+)x(\d+)$/.exec(values.grid);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--grid takes RxC, e.g. 8x8, got ${values.grid}`);
  return { rows: Number(m[1]), columns: Number(m[2]) };
}

async function render(values: Values, rest: string[]): Promise<void> {
  const out = await outOption(values);
  const colormap = colormapOption(values);
  const normalize = normalizeOption(values);
  const clipPercent = values.clip === undefined ? DEFAULTS.clipPercent : Number(values.clip);
  if (!(clipPercent >= 0 && clipPercent < MAX_CLIP_PERCENT)) throw new UsageError(`--clip takes a percentage from 0 to below ${MAX_CLIP_PERCENT}, got ${values.clip}`);
  if (typeof values.channels === "string" && values.grid) throw new UsageError("give --channels or --grid, not both");
  const { engine, analysis, layer } = await analysisFor(values, rest, true);
  const total = (await analysis.summary(layer)).channels.length;
  const grid = gridOption(values);
  let channels: number[];
  let layout = grid ?? NOTEBOOK_GRID;
  if (typeof values.channels === "string") {
    channels = values.channels.split(",").map((s) => Number(s.trim()));
    layout = fittingGrid(channels.length);
  } else if (grid) {
    channels = Array.from({ length: Math.min(total, grid.rows * grid.columns) }, (_, i) => i);
    // Fewer channels than cells: the rows they fill, not a picture of empty cells.
    layout = { rows: Math.ceil(channels.length / Math.min(grid.columns, channels.length)), columns: Math.min(grid.columns, channels.length) };
  } else {
    channels = notebookChannels(total);
    if (channels.length < NOTEBOOK_GRID.rows * NOTEBOOK_GRID.columns) layout = fittingGrid(channels.length);
  }
  const request: LayerRequest = { layer, start: 0, count: channels.length, channels, order: "index", normalize, clipPercent };
  await writeOutputFile(out, await renderGridPng(await analysis.layer(request), layout, colormap));
  process.stderr.write(`${layer} channels ${channels.join(",")} -> ${out}\n`);
  engine.dispose();
}

async function imageRequest(values: Values, rest: string[]): Promise<{ readonly image?: string; readonly request: AnalyzeRequest }> {
  const image = rest.find((a) => !a.toLowerCase().endsWith(".onnx"));
  const request = await analyzeRequest(values, image, positionalModel(rest));
  if (!request) throw new UsageError("give an image (or --input-npy)");
  return { request, ...("image" in request.input ? { image: request.input.image } : {}) };
}

async function explain(values: Values, rest: string[]): Promise<void> {
  const out = await outOption(values);
  const { request, image } = await imageRequest(values, rest);
  const engine = engineFor(values);
  const layer = typeof values.layer === "string" ? await engine.layerId(request.model, values.layer) : undefined;
  const colormap = values.colormap ?? EXPLAIN_COLORMAP;
  if (!oneOf(OVERLAY_COLORMAPS, colormap)) throw new UsageError(`--colormap for explain takes ${OVERLAY_COLORMAPS.join(", ")}, got ${String(colormap)}`);
  await explainCommand(values, engine, request, explainParams(values, layer), { out, image, colormap });
  engine.dispose();
}

async function predict(values: Values, rest: string[]): Promise<void> {
  const { request } = await imageRequest(values, rest);
  const engine = engineFor(values);
  await predictCommand(values, engine, request);
  engine.dispose();
}

async function weights(values: Values): Promise<void> {
  const out = await outOption(values);
  const source = modelSource(values, undefined);
  if ((source.kind !== "builtin" && source.kind !== "torchvision") || !("seed" in source.weights)) throw new UsageError("weights takes --seed N [--arch NAME]");
  await writeOutputFile(out, writeSafetensors(await seededStateDict(source)));
  process.stderr.write(`${source.kind === "builtin" ? "XAI" : source.name} seed ${source.weights.seed} state_dict -> ${out}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return command ? 0 : 2;
  }
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  switch (command) {
    case "layers":
      await layers(values, positionals);
      return 0;
    case "dump":
      await dump(values, positionals);
      return 0;
    case "render":
      await render(values, positionals);
      return 0;
    case "weights":
      await weights(values);
      return 0;
    case "explain":
      await explain(values, positionals);
      return 0;
    case "predict":
      await predict(values, positionals);
      return 0;
    case "scan": {
      const engine = engineFor(values);
      await scanCommand(values, positionals, engine);
      engine.dispose();
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    // The code lets scripts tell a bad model from a full disk without reading the words.
    const code = e instanceof FeatureMapsError ? ` [${e.code}]` : "";
    process.stderr.write(`feature-maps: ${(e as Error).message ?? e}${code}${usage ? "\n(feature-maps --help for usage)" : ""}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
