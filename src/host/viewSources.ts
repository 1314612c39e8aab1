import { readFileSync } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { configRequest, type ModelConfig, readModelConfig } from "../engine/config/modelConfig";
import type { ViewSource, ViewTarget } from "./viewController";
import { modelSetting, preprocessingSetting } from "./settings";

function validConfig(text: string, file: string): ModelConfig {
  const { config, problems } = readModelConfig(text, file);
  if (!config) throw new Error(`${path.basename(file)}: ${problems[0]?.message ?? "invalid"}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}`);
  return config;
}

/** A config's text as the user sees it: the open editor's, saved or not, else the file's. */
function configText(file: string): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open) return open.getText();
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new Error(`${path.basename(file)}: cannot read the model config`);
  }
}

function configTarget(config: ModelConfig, image: string): ViewTarget {
  return { analyze: configRequest(config, image), pinned: config.pinned, display: config.display };
}

/** An image through a config's model, or else through the model the settings name. */
export function imageSource(image: vscode.Uri, configFile?: string): ViewSource {
  return {
    title: path.basename(image.fsPath),
    scope: image,
    target: () => {
      const file = configFile ?? modelSetting(image).config;
      if (file) return configTarget(validConfig(configText(file), file), image.fsPath);
      return { analyze: { input: { image: image.fsPath }, model: modelSetting(image).source, preprocessing: preprocessingSetting(image) } };
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
      if (!image) throw new Error(`${path.basename(file)}: add an image to "images" to see its feature maps`);
      return configTarget(config, image);
    },
  };
}
