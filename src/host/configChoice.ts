import * as vscode from "vscode";
import { CONFIG_SUFFIX } from "../engine/model/config";
import { modelSetting } from "./settings";

const REMEMBERED = "featureMaps.chosenConfig";
const BUILTIN = "";
const MAX_CONFIGS = 50;

/**
 * The workspace's model configs, searched for once and then kept by a watcher: a search on every
 * Visualize would add its round trip to every click.
 */
export class WorkspaceConfigs implements vscode.Disposable {
  private found?: Promise<vscode.Uri[]>;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(`**/*${CONFIG_SUFFIX}`, false, true, false);
  private readonly subscriptions = [this.watcher, this.watcher.onDidCreate(() => this.forget()), this.watcher.onDidDelete(() => this.forget()), vscode.workspace.onDidChangeWorkspaceFolders(() => this.forget())];

  list(): Promise<vscode.Uri[]> {
    this.found ??= vscode.workspace.workspaceFolders ? Promise.resolve(vscode.workspace.findFiles(`**/*${CONFIG_SUFFIX}`, "**/node_modules/**", MAX_CONFIGS)) : Promise.resolve([]);
    return this.found;
  }

  private forget(): void {
    this.found = undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/**
 * Which model an image runs through when the settings name none: with model configs in the
 * workspace the user picks one (or the built-in model) once per workspace; the choice is kept
 * until featureMaps.model names one for good.
 */
export async function chooseConfig(state: vscode.Memento, configs: WorkspaceConfigs, image: vscode.Uri): Promise<string | undefined | null> {
  const setting = modelSetting(image);
  if (setting.config || setting.source.kind !== "builtin" || vscode.workspace.getConfiguration("featureMaps", image).get<string>("model", "") !== "") return undefined;
  // In Restricted Mode the workspace's configs do not run, so there is nothing to choose.
  if (!vscode.workspace.isTrusted) return undefined;
  const remembered = state.get<string>(REMEMBERED);
  const found = await configs.list();
  if (found.length === 0) return undefined;
  if (remembered !== undefined && (remembered === BUILTIN || found.some((c) => c.fsPath === remembered))) return remembered || undefined;
  const picked = await vscode.window.showQuickPick(
    [
      { label: "$(circuit-board) Built-in XAI model", description: "the reference notebook's VGG-style CNN", file: BUILTIN },
      ...found.map((c) => ({ label: `$(json) ${vscode.workspace.asRelativePath(c)}`, description: "model config", file: c.fsPath })),
    ],
    { title: "Visualize Feature Maps: which model?", placeHolder: "The workspace has model configs (featureMaps.model sets one for good)" },
  );
  if (!picked) return null;
  await state.update(REMEMBERED, picked.file);
  return picked.file || undefined;
}
