import * as path from "path";
import type * as vscode from "vscode";
import type { ViewSource } from "./viewController";
import { modelSetting, preprocessingSetting } from "./settings";

/** An image through the model the settings name. */
export function imageSource(image: vscode.Uri): ViewSource {
  return {
    title: path.basename(image.fsPath),
    scope: image,
    request: () => ({ input: { image: image.fsPath }, model: modelSetting(image).source, preprocessing: preprocessingSetting(image) }),
  };
}
