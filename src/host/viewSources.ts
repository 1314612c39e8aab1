import * as path from "path";
import * as vscode from "vscode";
import { configRequest, type ModelConfig, readModelConfig } from "../engine/model/config";
import type { AnalyzeRequest } from "../engine/engine";
import type { ViewSource, ViewTarget } from "./viewController";
import { modelSetting, preprocessingSetting } from "./settings";
import { FeatureMapsError } from "../shared/errors";
import { readRegularFileSync } from "../engine/formats/files";
import { configMayRun } from "./trustRule";

/** Set by the extension when it starts: its own configs (the example) run in Restricted Mode too. */
let extensionPath = "";

export function setExtensionPath(p: string): void {
  extensionPath = p;
}

function validConfig(text: string, file: string): ModelConfig {
  if (!configMayRun(file, vscode.workspace.isTrusted, extensionPath)) {
    throw new FeatureMapsError("WORKSPACE_UNTRUSTED", `${path.basename(file)}: this workspace is in Restricted Mode, and its model configs run once you trust it`);
  }
  const { config, problems } = readModelConfig(text, file);
  if (!config) throw new FeatureMapsError("CONFIG_INVALID", `${path.basename(file)}: ${problems[0]?.message ?? "invalid"}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}`);
  return config;
}

/** A config's text as the user sees it: the open editor's, saved or not, else the file's. */
function configText(file: string): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open) return open.getText();
  return readRegularFileSync(file, "config").toString("utf8");
}

/** The files an analysis reads. */
function requestFiles(request: AnalyzeRequest): string[] {
  const { input, model } = request;
  const files = "image" in input ? [input.image] : [];
  if (model.kind === "onnx") files.push(model.path);
  else if ("file" in model.weights) files.push(model.weights.file);
  return files;
}

function configTarget(config: ModelConfig, image: string): ViewTarget {
  return { analyze: configRequest(config, image), pinned: config.pinned, display: config.display };
}

/** An image through a config's model, or else through the model the settings name. */
export function imageSource(image: vscode.Uri, configFile?: string): ViewSource {
  const config = (): string | undefined => configFile ?? modelSetting(image).config;
  return {
    title: path.basename(image.fsPath),
    scope: image,
    target: () => {
      const file = config();
      if (file) return configTarget(validConfig(configText(file), file), image.fsPath);
      return { analyze: { input: { image: image.fsPath }, model: modelSetting(image).source, preprocessing: preprocessingSetting(image) } };
    },
    files: (target) => {
      const file = config();
      return [image.fsPath, ...(file ? [file] : []), ...(target ? requestFiles(target.analyze) : [])];
    },
  };
}

/** A config being edited, through its first image. */
export function configDocumentSource(document: vscode.TextDocument): ViewSource {
  const file = document.uri.fsPath;
  const text = document.getText();
  return {
    title: path.basename(file),
    scope: document.uri,
    target: () => {
      const config = validConfig(text, file);
      const image = config.images[0];
      if (!image) throw new FeatureMapsError("CONFIG_INVALID", `${path.basename(file)}: add an image to "images" to see its feature maps`);
      return configTarget(config, image);
    },
    // The config itself is the editor's text: its edits arrive as they are typed.
    files: (target) => (target ? requestFiles(target.analyze) : []),
  };
}
