import type { PixelOrder, TorchvisionArch } from "../../shared/choices";
import { existsSync } from "fs";
import * as path from "path";
import Ajv from "ajv";
import { createScanner, findNodeAtLocation, type JSONPath, type ParseError, parse, parseTree, printParseErrorCode, SyntaxKind } from "jsonc-parser";
import schema from "../../../schemas/featuremaps.schema.json";
import type { DisplayDefaults } from "../../shared/protocol";
import { type Architecture, ArchitectureError, planArchitecture, planGraph, PlanError } from "./architecture";
import type { AnalyzeRequest } from "../engine";
import type { ModelSource, WeightsSource } from "./models";
import { IMAGENET_CLASSES, TORCHVISION_MODELS, TORCHVISION_PREPROCESSING, torchvisionGraph } from "./torchvision/registry";
import { type Preprocessing, NOTEBOOK_PREPROCESSING } from "../image/preprocess";
import { readWeightsShapes } from "../formats/weightsFile";
import { checkWeights, WeightsMismatchError } from "./weights";

// `*.featuremaps.json`: a model written like PyTorch code, or an ONNX file, with its weights,
// input and what to show. Every problem carries the JSON path it is about, so an editor can put
// the diagnostic on the right line.

export const CONFIG_SUFFIX = ".featuremaps.json";

export interface ConfigProblem {
  readonly message: string;
  readonly path: JSONPath;
  /** Syntax errors have a place in the text rather than a path. */
  readonly offset?: number;
}

interface RawConfig {
  model: { onnx?: string; architecture?: Architecture | { torchvision: TorchvisionArch } };
  weights?: { init?: string; seed?: number; safetensors?: string; key?: string };
  input?: { size?: [number, number]; channelOrder?: PixelOrder; scale?: number; mean?: number[]; std?: number[] };
  images?: string[];
  labels?: string;
  layers?: string[];
  display?: Partial<DisplayDefaults>;
}

export interface ModelConfig {
  readonly file: string;
  readonly model: ModelSource;
  /** Input settings the config gives; the model's own defaults fill the rest. */
  readonly preprocessing: Partial<Preprocessing>;
  /** Absolute paths. */
  readonly images: readonly string[];
  readonly pinned: readonly string[];
  readonly display: Partial<DisplayDefaults>;
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function schemaProblems(value: unknown): ConfigProblem[] {
  if (validate(value)) return [];
  return (validate.errors ?? [])
    // if/then failures only repeat the errors found inside the branch.
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const where = e.instancePath.split("/").slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
      const property = e.params && "additionalProperty" in e.params ? ` "${e.params.additionalProperty}"` : "";
      const allowed = e.params && "allowedValues" in e.params ? `: ${(e.params.allowedValues as unknown[]).join(", ")}` : "";
      return { message: `${where.join(".") || "config"}: ${e.message}${property}${allowed}`, path: where };
    });
}

function architecturePath(e: ArchitectureError, arch: Architecture): JSONPath {
  const step = arch.steps[e.stepIndex];
  const base: JSONPath = ["model", "architecture", "steps", e.stepIndex];
  return "group" in step ? [...base, "modules", e.moduleIndex ?? 0] : [...base, "call"];
}

function weightsSource(raw: RawConfig, dir: string): WeightsSource {
  if (!raw.weights?.safetensors) return { seed: raw.weights?.seed ?? 0 };
  const file = path.resolve(dir, raw.weights.safetensors);
  return raw.weights.key === undefined ? { file } : { file, key: raw.weights.key };
}

function preprocessingOf(raw: RawConfig): Partial<Preprocessing> {
  const input = raw.input ?? {};
  const out: { -readonly [K in keyof Preprocessing]?: Preprocessing[K] } = {};
  if (input.size) [out.height, out.width] = input.size;
  if (input.channelOrder) out.channelOrder = input.channelOrder;
  if (input.scale !== undefined) out.scale = input.scale;
  if (input.mean) out.mean = input.mean;
  if (input.std) out.std = input.std;
  return out;
}

// A config is a few levels deep. The JSON parser, the schema check and the span lookup all
// recurse, so a text nested thousands of levels would overflow their stack.
const MAX_DEPTH = 32;

/** Where the text first nests deeper than MAX_DEPTH, found by a scan that does not recurse. */
function tooDeepAt(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let token = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    if (token === SyntaxKind.OpenBraceToken || token === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_DEPTH) return scanner.getTokenOffset();
    } else if (token === SyntaxKind.CloseBraceToken || token === SyntaxKind.CloseBracketToken) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Reads a config's text (saved or not). Returns the config when it can run, and every problem:
 * JSON syntax, schema, architecture (channel mismatches, collapsing sizes) and missing files.
 * Whether a weights file fits the architecture is checked when the model is built.
 */
export function readModelConfig(text: string, file: string): { config?: ModelConfig; problems: ConfigProblem[] } {
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { problems: [{ message: `JSON: nested more than ${MAX_DEPTH} levels deep`, path: [], offset: deep }] };
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length > 0) {
    return { problems: errors.map((e) => ({ message: `JSON: ${printParseErrorCode(e.error)}`, path: [], offset: e.offset })) };
  }
  const problems = schemaProblems(value);
  if (problems.length > 0) return { problems };
  const raw = value as RawConfig;
  const dir = path.dirname(file);
  const missing = (p: string, where: JSONPath, what: string): void => {
    if (!existsSync(path.resolve(dir, p))) problems.push({ message: `${what} ${p} does not exist (paths are relative to this config)`, path: where });
  };
  let model: ModelSource;
  const preprocessing = preprocessingOf(raw);
  if (raw.model.onnx) {
    missing(raw.model.onnx, ["model", "onnx"], "model");
    if (raw.weights) problems.push({ message: "weights: an ONNX model carries its own weights; remove this or use an architecture", path: ["weights"] });
    model = { kind: "onnx", path: path.resolve(dir, raw.model.onnx) };
  } else if (raw.model.architecture && "torchvision" in raw.model.architecture) {
    const name = raw.model.architecture.torchvision;
    const full: Preprocessing = { ...TORCHVISION_PREPROCESSING, ...preprocessing };
    try {
      planGraph(TORCHVISION_MODELS[name].build(IMAGENET_CLASSES), full.height, full.width);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      const where: JSONPath = raw.input?.size ? ["input", "size"] : ["model", "architecture", "torchvision"];
      problems.push({ message: `${name} at ${full.height}x${full.width}: ${e.message}`, path: where });
    }
    if (raw.weights?.safetensors) missing(raw.weights.safetensors, ["weights", "safetensors"], "weights file");
    model = { kind: "torchvision", name, weights: weightsSource(raw, dir) };
  } else {
    const architecture = { inputChannels: 3, ...raw.model.architecture } as Architecture;
    const full: Preprocessing = { ...NOTEBOOK_PREPROCESSING, ...preprocessing };
    try {
      planArchitecture(architecture, full.height, full.width);
    } catch (e) {
      if (!(e instanceof ArchitectureError)) throw e;
      problems.push({ message: e.message, path: architecturePath(e, architecture) });
    }
    if (raw.weights?.safetensors) missing(raw.weights.safetensors, ["weights", "safetensors"], "weights file");
    model = { kind: "architecture", label: path.basename(file), architecture, weights: weightsSource(raw, dir), preprocessing: full };
  }
  (raw.images ?? []).forEach((image, i) => missing(image, ["images", i], "image"));
  if (raw.labels) missing(raw.labels, ["labels"], "labels file");
  if (problems.length > 0) return { problems };
  return {
    config: {
      file,
      model: raw.labels ? { ...model, labels: path.resolve(dir, raw.labels) } : model,
      preprocessing,
      images: (raw.images ?? []).map((i) => path.resolve(dir, i)),
      pinned: raw.layers ?? [],
      display: raw.display ?? {},
    },
    problems,
  };
}

/** The analysis of one image through a config's model. */
export function configRequest(config: ModelConfig, image: string): AnalyzeRequest {
  return { input: { image }, model: config.model, preprocessing: config.preprocessing };
}

/** Where in the architecture a state_dict key's module is, for pointing at a weights mismatch. */
export function modulePathOfKey(architecture: Architecture, key: string): JSONPath | undefined {
  for (const [i, step] of architecture.steps.entries()) {
    if ("group" in step) {
      const m = new RegExp(`^${step.group}\\.(\\d+)\\.`).exec(key);
      if (m && Number(m[1]) < step.modules.length) return ["model", "architecture", "steps", i, "modules", Number(m[1])];
    } else if (key.startsWith(`${step.id}.`)) {
      return ["model", "architecture", "steps", i, "call"];
    }
  }
  return undefined;
}

/** Where a problem sits in the text: its value's span, or the syntax error's position. */
export function problemSpan(text: string, problem: ConfigProblem): { offset: number; length: number } {
  if (problem.offset !== undefined) return { offset: problem.offset, length: 1 };
  const root = parseTree(text);
  // A missing property points at its parent; walk up until something exists.
  for (let p = problem.path; root; p = p.slice(0, -1)) {
    const node = findNodeAtLocation(root, p);
    if (node) return { offset: node.offset, length: node.type === "object" || node.type === "array" ? 1 : node.length };
    if (p.length === 0) break;
  }
  return { offset: 0, length: 1 };
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Checks a weights file against a config's architecture without building the model, so a
 * mismatch becomes a diagnostic on the module whose key does not fit. Reads only shapes (a
 * safetensors header, a checkpoint's zip directory and pickle): the editor calls this in the
 * extension host, which must not load a user's weights.
 */
export async function weightsProblems(config: ModelConfig): Promise<ConfigProblem[]> {
  const model = config.model;
  if ((model.kind !== "architecture" && model.kind !== "torchvision") || !("file" in model.weights)) return [];
  const { file, key } = model.weights;
  try {
    const shapes = await readWeightsShapes(file, key);
    if (model.kind === "torchvision") {
      const size = { ...TORCHVISION_PREPROCESSING, ...config.preprocessing };
      checkWeights(planGraph(await torchvisionGraph(model.name, model.weights), size.height, size.width), shapes);
      return [];
    }
    checkWeights(planArchitecture(model.architecture, model.preprocessing.height, model.preprocessing.width), shapes);
    return [];
  } catch (e) {
    if (e instanceof WeightsMismatchError && model.kind === "architecture") {
      const where = new Map<string, JSONPath>();
      for (const key of e.keys) {
        const p = modulePathOfKey(model.architecture, key) ?? ["weights", "safetensors"];
        where.set(JSON.stringify(p), p);
      }
      return [...where.values()].map((p) => ({ message: e.message, path: p }));
    }
    return [{ message: (e as Error).message, path: ["weights", "safetensors"] }];
  }
}
