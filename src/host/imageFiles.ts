import * as vscode from "vscode";
import { IMAGE_EXTENSIONS } from "../shared/choices";

export function isImageName(name: string): boolean {
  const ext = name.split(".").pop()?.toLowerCase() ?? "";
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext);
}

export function isImageUri(uri: vscode.Uri): boolean {
  return isImageName(uri.path);
}

/** The image shown in the active tab: image previews are custom editors, not text editors. */
export function activeTabImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri && isImageUri(uri) ? uri : undefined;
}

/**
 * The images a command should show. From the explorer: the clicked file or the whole
 * multi-selection (one panel each). From the palette: the active tab's image, else a pick of the
 * workspace's images, else an open dialog.
 */
export async function imagesForCommand(clicked?: unknown, selection?: unknown): Promise<vscode.Uri[]> {
  if (Array.isArray(selection) && selection.length > 0) return selection.filter((u): u is vscode.Uri => u instanceof vscode.Uri && isImageUri(u));
  if (clicked instanceof vscode.Uri) return isImageUri(clicked) ? [clicked] : [];
  const active = activeTabImage();
  if (active) return [active];
  const glob = `**/*.{${IMAGE_EXTENSIONS.join(",")},${IMAGE_EXTENSIONS.map((e) => e.toUpperCase()).join(",")}}`;
  const found = vscode.workspace.workspaceFolders ? await vscode.workspace.findFiles(glob, "**/node_modules/**", 500) : [];
  if (found.length > 0) {
    const picked = await vscode.window.showQuickPick(
      found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
      { title: "Visualize Feature Maps", placeHolder: "Image to run through the model", matchOnDescription: true },
    );
    return picked ? [picked.uri] : [];
  }
  const opened = await vscode.window.showOpenDialog({
    title: "Visualize Feature Maps",
    canSelectMany: false,
    filters: { Images: [...IMAGE_EXTENSIONS] },
  });
  return opened ?? [];
}
