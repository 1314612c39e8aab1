import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { isColormapName } from "../shared/colormaps";
import { NORMALIZE_MODES } from "../shared/normalize";
import type { DisplayDefaults } from "../shared/protocol";
import type { EngineOptions } from "../engine/engine";
import { installedProvider } from "../engine/gpu/install";
import type { CudaSetup } from "../engine/gpu/runtime";
import { type ClientOptions, ENGINE_OVERHEAD_MB } from "../engine/run/engineClient";
import type { ModelSource, WeightsSource } from "../engine/model/models";
import type { Preprocessing } from "../engine/image/preprocess";
import { DEFAULTS, MIN_MEMORY_BUDGET_MB, oneOf, PIXEL_ORDERS, PROVIDER_CHOICES, TORCHVISION_ARCHS } from "../shared/choices";
import { FeatureMapsError } from "../shared/errors";

const SECTION = "featureMaps";

export interface ModelSetting {
  readonly source: ModelSource;
  /** When the model setting names a config file, its path (configs bring their own settings). */
  readonly config?: string;
}

function config(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION, scope);
}

/** Paths in settings may be relative to the workspace folder of the image being shown. */
function resolvePath(p: string, scope?: vscode.Uri): string {
  if (path.isAbsolute(p)) return p;
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, p) : path.resolve(p);
}

/** featureMaps.model names a torchvision architecture as `torchvision:resnet50`. */
export const TORCHVISION_PREFIX = "torchvision:";

function weightsSource(c: vscode.WorkspaceConfiguration, scope?: vscode.Uri): WeightsSource {
  const weights = c.get<string>("weights", "").trim();
  const key = c.get<string>("weightsKey", "").trim();
  if (weights) return { file: resolvePath(weights, scope), ...(key ? { key } : {}) };
  return { seed: c.get<number>("seed", 0) };
}

export function modelSetting(scope?: vscode.Uri): ModelSetting {
  const c = config(scope);
  const model = c.get<string>("model", "").trim();
  if (model.startsWith(TORCHVISION_PREFIX)) {
    const name = model.slice(TORCHVISION_PREFIX.length);
    if (!oneOf(TORCHVISION_ARCHS, name)) throw new FeatureMapsError("CONFIG_INVALID", `featureMaps.model is "${model}": torchvision models here are ${TORCHVISION_ARCHS.join(", ")}`);
    return { source: { kind: "torchvision", name, weights: weightsSource(c, scope) } };
  }
  if (model.toLowerCase().endsWith(".onnx")) return { source: { kind: "onnx", path: resolvePath(model, scope) } };
  if (model.toLowerCase().endsWith(".featuremaps.json")) {
    return { source: { kind: "builtin", weights: { seed: 0 } }, config: resolvePath(model, scope) };
  }
  if (model !== "" && model !== "builtin:xai") {
    throw new FeatureMapsError("CONFIG_INVALID", `featureMaps.model is "${model}": use an .onnx file, a .featuremaps.json config, torchvision:NAME, or leave it empty for the built-in XAI model`);
  }
  return { source: { kind: "builtin", weights: weightsSource(c, scope) } };
}

export function preprocessingSetting(scope?: vscode.Uri): Partial<Preprocessing> {
  const c = config(scope);
  const out: { -readonly [K in keyof Preprocessing]?: Preprocessing[K] } = {};
  const size = c.get<string>("inputSize", "").trim();
  if (size) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) throw new FeatureMapsError("CONFIG_INVALID", `featureMaps.inputSize is "${size}": write it as HxW, e.g. 224x224, or leave it empty for the model's own`);
    out.height = Number(m[1]);
    out.width = Number(m[2]);
  }
  const order = c.get<string>("channelOrder");
  if (oneOf(PIXEL_ORDERS, order)) out.channelOrder = order;
  const mean = c.get<number[] | null>("mean", null);
  const std = c.get<number[] | null>("std", null);
  if (mean) out.mean = mean;
  if (std) out.std = std;
  return out;
}

export function displayDefaults(scope?: vscode.Uri): DisplayDefaults {
  const c = config(scope);
  const colormap = c.get<string>("colormap");
  const normalize = c.get<string>("normalize");
  return {
    colormap: isColormapName(colormap) ? colormap : DEFAULTS.colormap,
    normalize: oneOf(NORMALIZE_MODES, normalize) ? normalize : DEFAULTS.normalize,
  };
}

/** Where the extension's onnxruntime-node is, and its global storage, where the CUDA provider goes. */
export interface CudaPaths {
  readonly bundled: string;
  readonly storage: string;
}

/**
 * The CUDA provider the inference process loads: the folder featureMaps.cudaProviderDir names,
 * else the one Install GPU Acceleration put in global storage, else none.
 */
function cudaSetup(paths: CudaPaths): CudaSetup {
  const named = config().get<string>("cudaProviderDir", "").trim();
  if (named) return { ...paths, providerDir: path.resolve(named.replace(/^~(?=$|[\\/])/, os.homedir())), fromSetting: true };
  const installed = installedProvider(paths.storage);
  return installed ? { ...paths, providerDir: installed } : paths;
}

export function engineOptions(paths: CudaPaths): EngineOptions {
  const c = config();
  const provider = c.get<string>("executionProvider");
  return {
    provider: oneOf(PROVIDER_CHOICES, provider) ? provider : DEFAULTS.provider,
    maxMegapixels: Math.max(1, c.get<number>("maxMegapixels", DEFAULTS.maxMegapixels)),
    memoryBudgetMB: memoryBudgetMB(),
    cuda: cudaSetup(paths),
  };
}

function memoryBudgetMB(): number {
  return Math.max(MIN_MEMORY_BUDGET_MB, config().get<number>("memoryBudgetMB", DEFAULTS.memoryBudgetMB));
}

const IDLE_RECYCLE_MS = 60_000;

export function clientOptions(): ClientOptions {
  const seconds = Math.max(5, config().get<number>("timeoutSeconds", DEFAULTS.timeoutSeconds));
  return { timeoutMs: seconds * 1000, recycle: { idleMs: IDLE_RECYCLE_MS, rssBytes: (memoryBudgetMB() + ENGINE_OVERHEAD_MB) * 1024 * 1024 } };
}

const ENGINE_SETTINGS = ["executionProvider", "cudaProviderDir", "maxMegapixels", "memoryBudgetMB", "timeoutSeconds"] as const;

export function affectsEngine(e: vscode.ConfigurationChangeEvent): boolean {
  return ENGINE_SETTINGS.some((name) => e.affectsConfiguration(`${SECTION}.${name}`));
}

export function affectsViews(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(SECTION);
}
