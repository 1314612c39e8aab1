import * as vscode from "vscode";
import { isImageName } from "../imageFiles";
import { explorerOrder } from "./folderOrder";

/** The names of the images in `image`'s folder, in the Explorer's order; only `image` when the folder cannot be read. */
export async function folderImages(image: vscode.Uri): Promise<{ readonly folder: vscode.Uri; readonly names: readonly string[] }> {
  const folder = vscode.Uri.joinPath(image, "..");
  const own = image.path.slice(image.path.lastIndexOf("/") + 1);
  try {
    const entries = await vscode.workspace.fs.readDirectory(folder);
    // A link to an image counts as the image: its type has the File bit too.
    const names = entries.filter(([name, type]) => (type & vscode.FileType.File) !== 0 && isImageName(name)).map(([name]) => name);
    return { folder, names: explorerOrder(names.includes(own) ? names : [...names, own]) };
  } catch {
    return { folder, names: [own] };
  }
}
