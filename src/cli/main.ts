#!/usr/bin/env node
import { parseArgs } from "util";
import { FeatureMapsEngine } from "../engine/engine";
import { planArchitecture } from "../engine/model/architecture";
import { writeNpy } from "../engine/formats/npy";
import { writeSafetensors } from "../engine/formats/safetensors";
import { outputTarget, writeOutputFile } from "../engine/formats/output";
import { initialWeights } from "../engine/model/weights";
import { xaiArchitecture } from "../engine/model/xaiArchitecture";
import { renderGridPng } from "../engine/analysis/renderGrid";
import { notebookChannels, NOTEBOOK_GRID } from "../shared/presets";
import type { LayerRequest } from "../shared/protocol";
import { analyzeRequest, colormapOption, MODEL_OPTIONS, modelSource, loadConfig, normalizeOption, preprocessingOverrides, UsageError, type Values } from "./modelOptions";
import { DEFAULTS, MAX_CLIP_PERCENT, MIN_MEMORY_BUDGET_MB, oneOf, PROVIDER_CHOICES } from "../shared/choices";
import { FeatureMapsError } from "../shared/errors";
import { EXPLAIN_OPTIONS, explainCommand, explainParams, predictCommand } from "./explain";
import { EXPLAIN_COLORMAP } from "../shared/explain";
import type { AnalyzeRequest } from "../engine/engine";

const USAGE = `feature-maps: what each layer of a CNN sees

  feature-maps layers [MODEL.onnx] [--image IMG]          layers as JSON: id, name, op, shape
  feature-maps dump IMG --layer ID [MODEL.onnx] --out F.npy   one layer as float32 .npy
  feature-maps render IMG --layer ID [MODEL.onnx] --out F.png [--channels 0,5,9 | --grid RxC]
                        [--colormap viridis] [--normalize channel|layer|global|symmetric] [--clip PCT]
  feature-maps weights [--seed N] --out F.safetensors     the built-in model's seeded weights
  feature-maps explain IMG [MODEL.onnx] --out F.png [--method gradcam|hirescam|gradcam++|eigencam|
                        scorecam|occlusion] [--layer ID] [--class C] [--output NAME] [--reduce sum|mean]
                        [--window 16 --stride 8 --baseline 0] [--top-channels K] [--npy MAP.npy]
                        [--colormap turbo] [--opacity 0.5]      a class heatmap over the image
  feature-maps predict IMG [MODEL.onnx] [--top 5] [--output NAME] [--reduce sum|mean]  top classes as JSON

Model: none = built-in XAI with seed 0; --seed N; --weights F.safetensors|F.pth [--weights-key K]
       (a torch.save checkpoint; K picks its state_dict when it holds several); --model F.onnx;
       --config F.featuremaps.json (its model, input settings, and first image when IMG is omitted)
Input: --size HxW, --channel-order bgr|rgb, --mean a,b,c, --std a,b,c, --input-npy F.npy
       (instead of IMG: float arrays are fed as they are; uint8 ones as 8-bit planes, scaled like ToTensor)
Runtime: --provider auto|cuda|cpu (default auto), --memory-budget MB (default 1024): what the layers
         of one analysis may take; over it, only the asked layer is computed
Layer ids: PyTorch names (features.30; plain 30 means features.30 on the built-in model), else ONNX tensor names.`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  ...EXPLAIN_OPTIONS,
  image: { type: "string" },
  layer: { type: "string" },
  out: { type: "string" },
  channels: { type: "string" },
  grid: { type: "string" },
  colormap: { type: "string" },
  normalize: { type: "string" },
  clip: { type: "string" },
  "memory-budget": { type: "string" },
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

/** `30` is accepted for `features.30` where the model has such a layer. */
function layerId(values: Values, ids: readonly string[]): string {
  const id = required(values, "layer");
  return /^\d+$/.test(id) && !ids.includes(id) && ids.includes(`features.${id}`) ? `features.${id}` : id;
}

function positionalModel(rest: string[]): string | undefined {
  return rest.find((a) => a.toLowerCase().endsWith(".onnx"));
}

async function layers(values: Values, rest: string[]): Promise<void> {
  const engine = engineFor(values);
  const image = typeof values.image === "string" ? values.image : undefined;
  const request = await analyzeRequest(values, image, positionalModel(rest));
  let list;
  if (request) {
    list = (await engine.analyze(request)).model.layers;
  } else {
    // Without an image: shapes at the model's default size, for a blank input.
    const config = typeof values.config === "string" ? await loadConfig(values.config) : undefined;
    const model = modelSource(values, positionalModel(rest), config);
    const runner = await engine.open(model);
    const p = { ...runner.model.defaults, ...config?.preprocessing, ...preprocessingOverrides(values) };
    const tensor = new Float32Array(runner.model.inputChannels * p.height * p.width);
    list = (await engine.analyze({ input: { tensor, height: p.height, width: p.width, label: "a blank input" }, model, preprocessing: p })).model.layers;
  }
  const lines = list.map(({ id, name, op, shape }) => JSON.stringify({ id, name, op, shape }));
  process.stdout.write(`[\n${lines.join(",\n")}\n]\n`);
  engine.dispose();
}

async function analysisFor(values: Values, rest: string[]) {
  const image = rest.find((a) => !a.toLowerCase().endsWith(".onnx"));
  const request = await analyzeRequest(values, image, positionalModel(rest));
  if (!request) throw new UsageError("give an image (or --input-npy)");
  const engine = engineFor(values);
  return { engine, analysis: await engine.analyze(request) };
}

async function dump(values: Values, rest: string[]): Promise<void> {
  const out = await outOption(values);
  const { engine, analysis } = await analysisFor(values, rest);
  const layer = layerId(values, analysis.model.layers.map((l) => l.id));
  const a = await analysis.activation(layer);
  await writeOutputFile(out, writeNpy(a.data, a.shape));
  process.stderr.write(`${layer} [${a.shape.join(", ")}] -> ${out}\n`);
  engine.dispose();
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
  const { engine, analysis } = await analysisFor(values, rest);
  const layer = layerId(values, analysis.model.layers.map((l) => l.id));
  const total = (await analysis.summary(layer)).channels.length;
  const grid = gridOption(values);
  let channels: number[];
  let layout = grid ?? NOTEBOOK_GRID;
  if (typeof values.channels === "string") {
    channels = values.channels.split(",").map((s) => Number(s.trim()));
    const columns = Math.min(channels.length, Math.ceil(Math.sqrt(channels.length)));
    layout = { rows: Math.ceil(channels.length / columns), columns };
  } else if (grid) {
    channels = Array.from({ length: Math.min(total, grid.rows * grid.columns) }, (_, i) => i);
  } else {
    channels = notebookChannels(total);
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
  const layer = typeof values.layer === "string" ? layerId(values, (await engine.analyze(request)).model.layers.map((l) => l.id)) : undefined;
  const colormap = values.colormap === undefined ? EXPLAIN_COLORMAP : colormapOption(values);
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
  if (source.kind !== "builtin" || !("seed" in source.weights)) throw new UsageError("weights takes --seed N");
  const plan = planArchitecture(xaiArchitecture(), 100, 100);
  await writeOutputFile(out, writeSafetensors(initialWeights(plan, source.weights.seed)));
  process.stderr.write(`XAI seed ${source.weights.seed} state_dict -> ${out}\n`);
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
