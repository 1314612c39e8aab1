import { promises as fs } from "fs";
import * as path from "path";
import { NORMALIZE_MODES, type NormalizeMode } from "../shared/normalize";
import { COLORMAP_NAMES, type ColormapName } from "../shared/colormaps";
import type { AnalyzeRequest, InputSource } from "../engine/engine";
import type { ModelSource } from "../engine/model/models";
import { readNpy } from "../engine/formats/npy";
import { planesToTensor, type Preprocessing } from "../engine/image/preprocess";
import { lineOf, type ModelConfig, problemSpan, readModelConfig } from "../engine/model/config";
import { DEFAULTS, oneOf, PIXEL_ORDERS } from "../shared/choices";
import { FeatureMapsError } from "../shared/errors";
import { readRegularFile } from "../engine/formats/files";

export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

export const MODEL_OPTIONS = {
  seed: { type: "string" },
  weights: { type: "string" },
  "weights-key": { type: "string" },
  model: { type: "string" },
  config: { type: "string" },
  size: { type: "string" },
  "channel-order": { type: "string" },
  mean: { type: "string" },
  std: { type: "string" },
  "input-npy": { type: "string" },
  provider: { type: "string" },
} as const;

function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

function numbers(text: string, name: string): number[] {
  const list = text.split(",").map((s) => Number(s.trim()));
  if (list.length !== 3 || list.some((n) => !Number.isFinite(n))) throw new UsageError(`--${name} takes three numbers, e.g. 0.485,0.456,0.406`);
  return list;
}

/** A config file's model, input settings and images; its problems as `file:line: message`. */
export async function loadConfig(file: string): Promise<ModelConfig> {
  const text = (await readRegularFile(file, "config")).toString("utf8");
  const { config, problems } = readModelConfig(text, path.resolve(file));
  if (!config) {
    throw new FeatureMapsError("CONFIG_INVALID", problems.map((p) => `${path.basename(file)}:${lineOf(text, problemSpan(text, p).offset)}: ${p.message}`).join("\n"));
  }
  return config;
}

export function modelSource(values: Values, positionalModel: string | undefined, config?: ModelConfig): ModelSource {
  if (config) {
    if (positionalModel || str(values, "model") || str(values, "seed") || str(values, "weights") || str(values, "weights-key")) {
      throw new UsageError("--config names the model; drop MODEL, --model, --seed, --weights and --weights-key (the config's weights.key)");
    }
    return config.model;
  }
  const onnx = str(values, "model") ?? positionalModel;
  const seedText = str(values, "seed");
  const weights = str(values, "weights");
  if (onnx && (seedText || weights)) throw new UsageError("--seed and --weights are for the built-in model; an ONNX model has its own weights");
  if (onnx) {
    if (!onnx.toLowerCase().endsWith(".onnx")) throw new UsageError(`MODEL must be an .onnx file, got ${onnx}`);
    return { kind: "onnx", path: onnx };
  }
  if (seedText && weights) throw new UsageError("give either --seed or --weights, not both");
  const key = str(values, "weights-key");
  if (key !== undefined && !weights) throw new UsageError("--weights-key picks the state_dict inside a --weights checkpoint; give --weights too");
  if (weights) return { kind: "builtin", weights: key === undefined ? { file: weights } : { file: weights, key } };
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed takes a whole number from 0 to 4294967295, got ${seedText}`);
  return { kind: "builtin", weights: { seed } };
}

export function preprocessingOverrides(values: Values): Partial<Preprocessing> {
  const out: { -readonly [K in keyof Preprocessing]?: Preprocessing[K] } = {};
  const size = str(values, "size");
  if (size) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) throw new UsageError(`--size takes HxW, e.g. 224x224, got ${size}`);
    out.height = Number(m[1]);
    out.width = Number(m[2]);
  }
  if (str(values, "channel-order") !== undefined) out.channelOrder = choiceOption(values, "channel-order", PIXEL_ORDERS, "rgb");
  const mean = str(values, "mean");
  if (mean) out.mean = numbers(mean, "mean");
  const std = str(values, "std");
  if (std) out.std = numbers(std, "std");
  return out;
}

/** An image path, or --input-npy: float arrays are fed as they are, uint8 ones as 8-bit planes. */
export async function inputSource(values: Values, image: string | undefined, overrides: Partial<Preprocessing>): Promise<InputSource | undefined> {
  const npy = str(values, "input-npy");
  if (npy && image) throw new UsageError("give an image or --input-npy, not both");
  if (!npy) return image ? { image } : undefined;
  const array = readNpy(await fs.readFile(npy), path.basename(npy));
  const shape = array.shape.length === 3 ? [1, ...array.shape] : array.shape;
  if (shape.length !== 4 || shape[0] !== 1) throw new UsageError(`${path.basename(npy)}: shape (${array.shape.join(", ")}) is not [1, C, H, W]`);
  const [height, width] = [shape[2], shape[3]];
  const tensor =
    array.dtype === "uint8"
      ? planesToTensor(Uint8Array.from(array.data), { height, width, channelOrder: "rgb", scale: 1 / 255, mean: overrides.mean, std: overrides.std })
      : array.data;
  return { tensor, height, width, label: path.basename(npy) };
}

export async function analyzeRequest(values: Values, image: string | undefined, positionalModel: string | undefined): Promise<AnalyzeRequest | undefined> {
  const configFile = str(values, "config");
  const config = configFile ? await loadConfig(configFile) : undefined;
  // Command-line input options override the config's, which override the model's defaults.
  const preprocessing = { ...config?.preprocessing, ...preprocessingOverrides(values) };
  const input = await inputSource(values, image ?? config?.images[0], preprocessing);
  return input && { input, model: modelSource(values, positionalModel, config), preprocessing };
}

function choiceOption<T extends string>(values: Values, name: string, choices: readonly T[], fallback: T): T {
  const value = str(values, name) ?? fallback;
  if (!oneOf(choices, value)) throw new UsageError(`--${name} takes one of ${choices.join(", ")}, got ${value}`);
  return value;
}

export function colormapOption(values: Values): ColormapName {
  return choiceOption(values, "colormap", COLORMAP_NAMES, DEFAULTS.colormap);
}

export function normalizeOption(values: Values): NormalizeMode {
  return choiceOption(values, "normalize", NORMALIZE_MODES, DEFAULTS.normalize);
}
