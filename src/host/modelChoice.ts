import * as vscode from "vscode";
import { CONFIG_SUFFIX } from "../engine/model/config";
import { TORCHVISION_ARCHS } from "../shared/choices";
import { TORCHVISION_PREFIX } from "./settings";

// "Feature Maps: Choose Model…": every kind of model in one quick pick, written to the
// workspace's featureMaps.model (and featureMaps.weights for a torchvision architecture), so the
// panel and the side view follow the settings as they do for a hand-edited setting.

interface Choice extends vscode.QuickPickItem {
  readonly model?: string;
}

const FOUND_LIMIT = 50;

async function workspaceModels(): Promise<Choice[]> {
  if (!vscode.workspace.workspaceFolders) return [];
  const [configs, onnx] = await Promise.all([
    vscode.workspace.findFiles(`**/*${CONFIG_SUFFIX}`, "**/node_modules/**", FOUND_LIMIT),
    vscode.workspace.findFiles("**/*.onnx", "**/node_modules/**", FOUND_LIMIT),
  ]);
  const item = (uri: vscode.Uri, icon: string, description: string): Choice => ({ label: `$(${icon}) ${vscode.workspace.asRelativePath(uri)}`, description, model: vscode.workspace.asRelativePath(uri, false) });
  return [...configs.map((c) => item(c, "json", "model config")), ...onnx.map((o) => item(o, "file-binary", "ONNX model"))];
}

/** Weights for a torchvision architecture: a file the user picks, or the seeded initialisation. */
async function chooseWeights(arch: string): Promise<string | undefined | null> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: "$(file) Choose a checkpoint…", description: ".pth, .pt, .bin or .safetensors (a torchvision state_dict)", pick: true },
      { label: "$(symbol-constant) PyTorch's default initialisation", description: "random weights drawn with featureMaps.seed", pick: false },
    ],
    { title: `${arch}: which weights?` },
  );
  if (!picked) return null;
  if (!picked.pick) return "";
  const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: "Use these weights", filters: { "PyTorch weights": ["pth", "pt", "bin", "safetensors"] } });
  if (!files?.[0]) return null;
  const folder = vscode.workspace.getWorkspaceFolder(files[0]);
  return folder ? vscode.workspace.asRelativePath(files[0], false) : files[0].fsPath;
}

export async function chooseModel(): Promise<void> {
  const choices: Choice[] = [
    { label: "$(circuit-board) Built-in XAI model", description: "the reference notebook's VGG-style CNN", model: "builtin:xai" },
    ...(await workspaceModels()),
    { label: "torchvision", kind: vscode.QuickPickItemKind.Separator },
    ...TORCHVISION_ARCHS.map((arch): Choice => ({ label: `$(type-hierarchy) ${arch}`, description: "torchvision architecture, ImageNet input", model: `${TORCHVISION_PREFIX}${arch}` })),
  ];
  const picked = await vscode.window.showQuickPick(choices, { title: "Feature Maps: Choose Model", placeHolder: "Written to this workspace's featureMaps.model", matchOnDescription: true });
  if (!picked?.model) return;
  const settings = vscode.workspace.getConfiguration("featureMaps");
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  if (picked.model.startsWith(TORCHVISION_PREFIX)) {
    const weights = await chooseWeights(picked.model.slice(TORCHVISION_PREFIX.length));
    if (weights === null) return;
    await settings.update("weights", weights || undefined, target);
  }
  await settings.update("model", picked.model, target);
}
