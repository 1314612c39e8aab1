import * as path from "path";
import * as vscode from "vscode";
import { IMAGE_EXTENSIONS, imagesForCommand, isImageUri } from "../imageFiles";
import { isModelFile, MODEL_FILE_FILTERS, type SideSpec } from "./compareSides";

const TITLE = "Compare Feature Maps";

function name(uri: vscode.Uri): string {
  return path.basename(uri.fsPath);
}

function refuse(message: string): undefined {
  void vscode.window.showErrorMessage(`${TITLE}: ${message}`);
  return undefined;
}

/** The second side for one image: another of the workspace's images, or a second model or weights. */
async function chooseSecond(image: vscode.Uri): Promise<SideSpec | undefined> {
  const glob = `**/*.{${IMAGE_EXTENSIONS.join(",")},${IMAGE_EXTENSIONS.map((e) => e.toUpperCase()).join(",")}}`;
  const images = vscode.workspace.workspaceFolders ? await vscode.workspace.findFiles(glob, "**/node_modules/**", 500) : [];
  const model = { label: "$(circuit-board) A second model or weights…", description: "config, .onnx, .pth/.pt/.bin/.safetensors" };
  const others = images.filter((u) => u.toString() !== image.toString()).map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  const picked = await vscode.window.showQuickPick<vscode.QuickPickItem & { uri?: vscode.Uri }>([model, ...others], { title: `${TITLE}: ${name(image)} against…`, placeHolder: "Another image, or the same image through a second model" });
  if (!picked) return refuse(`nothing was chosen to compare ${name(image)} with`);
  if (picked.uri) return { image: picked.uri };
  const opened = await vscode.window.showOpenDialog({ title: `${TITLE}: ${name(image)} through`, canSelectMany: false, filters: MODEL_FILE_FILTERS });
  const file = opened?.[0];
  if (!file) return refuse(`no second model or weights was chosen for ${name(image)}`);
  return { image, model: file };
}

/**
 * The two sides a command asks for. From the explorer: two selected images, or an image and a
 * model file selected together, or one image and then a choice. From the palette: the active
 * image (or a pick), then a choice. Undefined after telling the user why not.
 */
export async function sidesForCommand(clicked?: unknown, selection?: unknown): Promise<readonly [SideSpec, SideSpec] | undefined> {
  const chosen = Array.isArray(selection) && selection.length > 0 ? selection.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : clicked instanceof vscode.Uri ? [clicked] : [];
  if (chosen.length > 2) return refuse(`it compares two images, or one image and a second model; ${chosen.length} files are selected`);
  const images = chosen.filter(isImageUri);
  const others = chosen.filter((u) => !isImageUri(u));
  const notModel = others.find((u) => !isModelFile(u));
  if (notModel) return refuse(`${name(notModel)} is neither an image (${IMAGE_EXTENSIONS.join(", ")}) nor a model config, .onnx or weights file`);
  if (images.length === 2) return [{ image: images[0] }, { image: images[1] }];
  if (images.length === 1 && others.length === 1) return [{ image: images[0] }, { image: images[0], model: others[0] }];
  if (others.length > 0) return refuse(`${others.map(name).join(" and ")}: select an image too, to run through it`);
  const image = images[0] ?? (await imagesForCommand())[0];
  if (!image) return refuse("no image was chosen");
  const second = await chooseSecond(image);
  return second && [{ image }, second];
}
