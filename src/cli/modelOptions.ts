import * as path from "path";
import { NORMALIZE_MODES, type NormalizeMode } from "../shared/normalize";
import { COLORMAP_NAMES, type ColormapName } from "../shared/colormaps";
import type { AnalyzeRequest, InputSource } from "../engine/engine";
import type { ModelSource, WeightsSource } from "../engine/model/models";
import { type NpyArray, readNpy, readNpyHeader } from "../engine/formats/npy";
import { readRegularFile, regularFileSize } from "../engine/formats/files";
import { MAX_INPUT_PIXELS, planesToTensor, type Preprocessing } from "../engine/image/preprocess";
import { FeatureMapsError } from "../shared/errors";
import { lineOf, type ModelConfig, problemSpan, readModelConfig } from "../engine/model/config";
import { DEFAULTS, oneOf, PIXEL_ORDERS, TORCHVISION_ARCHS } from "../shared/choices";

export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

export const MODEL_OPTIONS = {
  seed: { type: "string" },
  weights: { type: "string" },
  "weights-key": { type: "string" },
  arch: { type: "string" },
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

/** --seed N or --weights F [--weights-key K], for the built-in model or an --arch. */
function weightsOption(values: Values): WeightsSource {
  const seedText = str(values, "seed");
  const weights = str(values, "weights");
  if (seedText && weights) throw new UsageError("give either --seed or --weights, not both");
  const key = str(values, "weights-key");
  if (key !== undefined && !weights) throw new UsageError("--weights-key picks the state_dict inside a --weights checkpoint; give --weights too");
  if (weights) return key === undefined ? { file: weights } : { file: weights, key };
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed takes a whole number from 0 to 4294967295, got ${seedText}`);
  return { seed };
}

export function modelSource(values: Values, positionalModel: string | undefined, config?: ModelConfig): ModelSource {
  if (config) {
    if (positionalModel || str(values, "model") || str(values, "arch") || str(values, "seed") || str(values, "weights") || str(values, "weights-key")) {
      throw new UsageError("--config names the model; drop MODEL, --model, --arch, --seed, --weights and --weights-key (the config's weights.key)");
    }
    return config.model;
  }
  const onnx = str(values, "model") ?? positionalModel;
  const arch = str(values, "arch");
  if (onnx && arch) throw new UsageError("give either an ONNX MODEL or --arch, not both");
  if (onnx && (str(values, "seed") || str(values, "weights"))) throw new UsageError("--seed and --weights are for the built-in model or an --arch; an ONNX model has its own weights");
  if (onnx) {
    if (!onnx.toLowerCase().endsWith(".onnx")) throw new UsageError(`MODEL must be an .onnx file, got ${onnx}`);
    return { kind: "onnx", path: onnx };
  }
  if (arch !== undefined) {
    if (!oneOf(TORCHVISION_ARCHS, arch)) throw new UsageError(`--arch takes one of ${TORCHVISION_ARCHS.join(", ")}, got ${arch}`);
    return { kind: "torchvision", name: arch, weights: weightsOption(values) };
  }
  return { kind: "builtin", weights: weightsOption(values) };
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

/** A .npy header is at most 64 KiB in format 1; one bigger than that is not an input array. */
const NPY_HEADER_READ = 12 + 65536;

interface InputArrayHeader {
  readonly size: number;
  readonly dtype: NpyArray["dtype"];
  readonly height: number;
  readonly width: number;
}

/** The array's header, checked against the image limits before its data is read. */
async function inputArrayHeader(file: string, name: string, maxMegapixels: number): Promise<InputArrayHeader> {
  const size = await regularFileSize(file, "array");
  const { shape, dtype, dataOffset, dataBytes } = readNpyHeader(await readRegularFile(file, "array", { offset: 0, length: Math.min(size, NPY_HEADER_READ) }), name);
  const batched = shape.length === 3 ? [1, ...shape] : shape;
  if (batched.length !== 4 || batched[0] !== 1) throw new FeatureMapsError("INPUT_INVALID", `${name}: shape (${shape.join(", ")}) is not [1, C, H, W] or [C, H, W]`);
  const [, channels, height, width] = batched;
  if (!(channels > 0 && height > 0 && width > 0)) throw new FeatureMapsError("INPUT_INVALID", `${name}: shape (${shape.join(", ")}) has an empty axis`);
  if (dtype === "uint8" && channels !== 3) throw new FeatureMapsError("INPUT_INVALID", `${name}: a uint8 array is read as image planes and needs 3 channels, not ${channels} (give float32 to feed other inputs as they are)`);
  const limit = Math.min(maxMegapixels * 1e6, MAX_INPUT_PIXELS);
  if (height * width > limit) {
    throw new FeatureMapsError("INPUT_INVALID", `${name}: ${height}x${width} (HxW) is ${((height * width) / 1e6).toFixed(1)} megapixels, above the ${(limit / 1e6).toFixed(1)} megapixels a model input may have`);
  }
  if (dataOffset + dataBytes !== size) throw new FeatureMapsError("INPUT_INVALID", `${name}: ${size - dataOffset} data bytes for shape (${shape.join(", ")}), which needs ${dataBytes}`);
  return { size, dtype, height, width };
}

/**
 * The array is the model input as it is: options that would resize or reorder an image would be
 * ignored, so they are refused, and so is a config's input size that the array does not have.
 */
function checkArrayOptions(values: Values, name: string, header: InputArrayHeader, configured: Partial<Preprocessing> | undefined): void {
  for (const option of ["size", "channel-order"]) {
    if (str(values, option) !== undefined) throw new UsageError(`--${option} is for images; an --input-npy array is fed at its own size and channel order`);
  }
  const { height, width } = configured ?? {};
  if (height !== undefined && width !== undefined && (height !== header.height || width !== header.width)) {
    throw new UsageError(`the config's input size ${height}x${width} is for images; ${name} is ${header.height}x${header.width} and is fed at its own size`);
  }
}

/** --input-npy's height and width, from its header alone. */
export async function inputArraySize(values: Values, npy: string, config: ModelConfig | undefined, maxMegapixels = DEFAULTS.maxMegapixels): Promise<{ height: number; width: number }> {
  const name = path.basename(npy);
  const header = await inputArrayHeader(npy, name, maxMegapixels);
  checkArrayOptions(values, name, header, config?.preprocessing);
  return { height: header.height, width: header.width };
}

/** An image path, or --input-npy: float arrays are fed as they are, uint8 ones as 8-bit planes. */
export async function inputSource(values: Values, image: string | undefined, overrides: Partial<Preprocessing>, maxMegapixels = DEFAULTS.maxMegapixels, configured?: Partial<Preprocessing>): Promise<InputSource | undefined> {
  const npy = str(values, "input-npy");
  if (npy && image) throw new UsageError("give an image or --input-npy, not both");
  if (!npy) return image ? { image } : undefined;
  const name = path.basename(npy);
  const header = await inputArrayHeader(npy, name, maxMegapixels);
  checkArrayOptions(values, name, header, configured);
  const { height, width } = header;
  const array = readNpy(await readRegularFile(npy, "array", undefined, header.size), name);
  if (array.dtype !== "uint8") {
    if (str(values, "mean") !== undefined || str(values, "std") !== undefined) throw new UsageError(`--mean and --std scale uint8 planes; ${name} holds ${array.dtype} values, which are fed as they are`);
    return { tensor: array.data, height, width, label: name };
  }
  return { tensor: planesToTensor(array.data, { height, width, channelOrder: "rgb", scale: 1 / 255, mean: overrides.mean, std: overrides.std }), height, width, label: name };
}

export async function analyzeRequest(values: Values, image: string | undefined, positionalModel: string | undefined): Promise<AnalyzeRequest | undefined> {
  const configFile = str(values, "config");
  const config = configFile ? await loadConfig(configFile) : undefined;
  // Command-line input options override the config's, which override the model's defaults.
  const preprocessing = { ...config?.preprocessing, ...preprocessingOverrides(values) };
  // A config's first image is not used with --input-npy, so giving both is not an error.
  const input = await inputSource(values, str(values, "input-npy") ? image : (image ?? config?.images[0]), preprocessing, DEFAULTS.maxMegapixels, config?.preprocessing);
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
