import * as path from "path";
import * as vscode from "vscode";
import { Jimp } from "jimp";
import type { AnalyzeRequest } from "../engine/engine";
import type { EngineClient } from "../engine/run/engineClient";
import type { ExportKind, OverlaySnapshot, Picture } from "../shared/protocol";
import { writeOutputFile } from "../engine/formats/output";
import { writeNpy } from "../engine/formats/npy";

/** Local files are written whole or not at all; other schemes (a remote workspace) through VS Code. */
export async function writeExport(uri: vscode.Uri, bytes: Uint8Array): Promise<void> {
  if (uri.scheme === "file") await writeOutputFile(uri.fsPath, bytes);
  else await vscode.workspace.fs.writeFile(uri, bytes);
}

function defaultName(analyze: AnalyzeRequest, layer: string, ext: string): string {
  const base = "image" in analyze.input ? path.parse(analyze.input.image).name : "input";
  return `${base}.${layer.replace(/[^\w.-]+/g, "_")}.${ext}`;
}

function defaultFolder(analyze: AnalyzeRequest): vscode.Uri | undefined {
  if ("image" in analyze.input) return vscode.Uri.file(path.dirname(analyze.input.image));
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

export async function chooseTarget(analyze: AnalyzeRequest, layer: string, ext: string, filters: Record<string, string[]>, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (target) return target;
  const folder = defaultFolder(analyze);
  const defaultUri = folder ? vscode.Uri.joinPath(folder, defaultName(analyze, layer, ext)) : undefined;
  return vscode.window.showSaveDialog({ defaultUri, filters, saveLabel: "Save" });
}

/** Writes the layer's raw float32 tensor as .npy; undefined when the user cancels the dialog. */
export async function exportLayerNpy(engine: EngineClient, analyze: AnalyzeRequest, layer: string, target?: vscode.Uri, signal?: AbortSignal): Promise<string | undefined> {
  const uri = await chooseTarget(analyze, layer, "npy", { NumPy: ["npy"] }, target);
  if (!uri) return undefined;
  await writeExport(uri, await engine.call("npy", { analyze, layer }, { signal }));
  return uri.fsPath;
}

export async function encodePng(picture: Picture): Promise<Uint8Array> {
  const image = new Jimp({ width: picture.width, height: picture.height, data: Buffer.from(picture.rgba.buffer, picture.rgba.byteOffset, picture.rgba.byteLength) });
  return new Uint8Array(await image.getBuffer("image/png"));
}

export async function exportSnapshotPng(
  snapshot: { picture: Picture },
  layer: string,
  analyze?: AnalyzeRequest,
  target?: vscode.Uri,
): Promise<string | undefined> {
  const uri = target ?? (analyze ? await chooseTarget(analyze, layer, "png", { PNG: ["png"] }) : await vscode.window.showSaveDialog({ filters: { PNG: ["png"] } }));
  if (!uri) return undefined;
  await writeExport(uri, await encodePng(snapshot.picture));
  return uri.fsPath;
}

/**
 * Writes an Explain overlay as painted (png) or its raw map, [height, width] float32 (npy);
 * undefined when the user cancels the dialog.
 */
export async function exportOverlay(overlay: OverlaySnapshot, kind: ExportKind, analyze: AnalyzeRequest, target?: vscode.Uri): Promise<string | undefined> {
  const name = `${overlay.method}.${overlay.layer ?? "input"}.class${overlay.classIndex}`;
  const uri = await chooseTarget(analyze, name, kind, kind === "png" ? { PNG: ["png"] } : { NumPy: ["npy"] }, target);
  if (!uri) return undefined;
  await writeExport(uri, kind === "png" ? await encodePng(overlay.picture) : writeNpy(overlay.map, [overlay.height, overlay.width]));
  return uri.fsPath;
}
