import * as vscode from "vscode";
import { CONFIG_SUFFIX } from "../engine/model/config";
import { modelSetting } from "./settings";

const REMEMBERED = "featureMaps.chosenConfig";
const BUILTIN = "";

/**
 * Which model an image runs through when the settings name none: with model configs in the
 * workspace the user picks one (or the built-in model) once per workspace; the choice is kept
 * until featureMaps.model names one for good.
 */
export async function chooseConfig(state: vscode.Memento, image: vscode.Uri): Promise<string | undefined | null> {
  const setting = modelSetting(image);
  if (setting.config || setting.source.kind !== "builtin" || vscode.workspace.getConfiguration("featureMaps", image).get<string>("model", "") !== "") return undefined;
  // In Restricted Mode the workspace's configs do not run, so there is nothing to choose.
  if (!vscode.workspace.isTrusted) return undefined;
  const remembered = state.get<string>(REMEMBERED);
  const configs = vscode.workspace.workspaceFolders ? await vscode.workspace.findFiles(`**/*${CONFIG_SUFFIX}`, "**/node_modules/**", 50) : [];
  if (configs.length === 0) return undefined;
  if (remembered !== undefined && (remembered === BUILTIN || configs.some((c) => c.fsPath === remembered))) return remembered || undefined;
  const picked = await vscode.window.showQuickPick(
    [
      { label: "$(circuit-board) Built-in XAI model", description: "the reference notebook's VGG-style CNN", file: BUILTIN },
      ...configs.map((c) => ({ label: `$(json) ${vscode.workspace.asRelativePath(c)}`, description: "model config", file: c.fsPath })),
    ],
    { title: "Visualize Feature Maps: which model?", placeHolder: "The workspace has model configs (featureMaps.model sets one for good)" },
  );
  if (!picked) return null;
  await state.update(REMEMBERED, picked.file);
  return picked.file || undefined;
}
