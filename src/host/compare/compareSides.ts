import * as path from "path";
import * as vscode from "vscode";
import type { AnalyzeRequest } from "../../engine/engine";
import { FeatureMapsError } from "../../shared/errors";
import { IMAGE_EXTENSIONS, isImageUri } from "../imageFiles";
import { preprocessingSetting } from "../settings";
import { imageSource } from "../viewSources";

/** Weights that replace the current model's (a state_dict for the same architecture). */
export const WEIGHTS_EXTENSIONS = ["safetensors", "pth", "pt", "bin"] as const;
/** What the second side of one image may be: a config, an ONNX model or weights. */
export const MODEL_FILE_FILTERS: Record<string, string[]> = { "Model config, ONNX or weights": ["json", "onnx", ...WEIGHTS_EXTENSIONS] };

/** One side of a comparison: an image, through the settings' model or through `model`. */
export interface SideSpec {
  readonly image: vscode.Uri;
  /** A `*.featuremaps.json` config, an `.onnx` model, or weights for the current model's architecture. */
  readonly model?: vscode.Uri;
}

export interface ResolvedSide {
  readonly analyze: AnalyzeRequest;
  readonly label: string;
}

function name(uri: vscode.Uri): string {
  return path.basename(uri.fsPath);
}

export function isModelFile(uri: vscode.Uri): boolean {
  const file = name(uri).toLowerCase();
  return file.endsWith(".featuremaps.json") || file.endsWith(".onnx") || (WEIGHTS_EXTENSIONS as readonly string[]).some((e) => file.endsWith(`.${e}`));
}

function withModel(image: vscode.Uri, model: vscode.Uri): AnalyzeRequest {
  const file = model.fsPath;
  const lower = file.toLowerCase();
  if (lower.endsWith(".featuremaps.json")) return imageSource(image, file).target().analyze;
  if (lower.endsWith(".onnx")) return { input: { image: image.fsPath }, model: { kind: "onnx", path: file }, preprocessing: preprocessingSetting(image) };
  if (!isModelFile(model)) {
    throw new FeatureMapsError("CONFIG_INVALID", `${name(model)} is not a model config (*.featuremaps.json), an .onnx model or weights (${WEIGHTS_EXTENSIONS.map((e) => `.${e}`).join(", ")})`);
  }
  const current = imageSource(image).target().analyze;
  if (current.model.kind === "onnx") {
    throw new FeatureMapsError("CONFIG_INVALID", `${name(model)}: weights replace those of the built-in model, a torchvision model or a config's architecture, and the current model is the ONNX file ${path.basename(current.model.path)}`);
  }
  return { ...current, model: { ...current.model, weights: { file } } };
}

/** The analysis a side asks for; throws with a message naming the file when it cannot be one. */
export function resolveSide(side: SideSpec): ResolvedSide {
  if (!isImageUri(side.image)) throw new FeatureMapsError("IMAGE_UNREADABLE", `${name(side.image)} is not an image (${IMAGE_EXTENSIONS.join(", ")})`);
  if (!side.model) return { analyze: imageSource(side.image).target().analyze, label: name(side.image) };
  return { analyze: withModel(side.image, side.model), label: `${name(side.image)} · ${name(side.model)}` };
}

/** The two sides as the panel's resource: the webview keeps it, so a reloaded window can bring the panel back. */
export function sidesResource(a: SideSpec, b: SideSpec): string {
  const side = (s: SideSpec) => ({ image: s.image.toString(), ...(s.model ? { model: s.model.toString() } : {}) });
  return JSON.stringify({ a: side(a), b: side(b) });
}

/** The sides a resource names, or undefined when it names none (a webview's state is not trusted). */
export function sidesFromResource(resource: unknown): readonly [SideSpec, SideSpec] | undefined {
  try {
    const parsed = JSON.parse(String(resource)) as { a?: { image?: unknown; model?: unknown }; b?: { image?: unknown; model?: unknown } };
    const side = (s: { image?: unknown; model?: unknown } | undefined): SideSpec | undefined =>
      typeof s?.image === "string" && (s.model === undefined || typeof s.model === "string")
        ? { image: vscode.Uri.parse(s.image), ...(typeof s.model === "string" ? { model: vscode.Uri.parse(s.model) } : {}) }
        : undefined;
    const a = side(parsed.a);
    const b = side(parsed.b);
    return a && b ? [a, b] : undefined;
  } catch {
    return undefined;
  }
}
