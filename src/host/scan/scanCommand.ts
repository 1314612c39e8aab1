import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import type { ScanRequest } from "../../engine/engine";
import type { EngineClient } from "../../engine/run/engineClient";
import type { ModelSource } from "../../engine/model/models";
import { walkImages } from "../../engine/scan/walk";
import { errorCode } from "../../shared/errors";
import { SCAN_LIMITS, type ScanResult } from "../../shared/scan";
import { imageSource } from "../viewSources";
import { folderStamp, ScanCache } from "./scanCache";
import { ScanView } from "./scanPanel";
import { webviewOptions } from "../webviewHtml";

/** What a caller (a test, a keybinding) may give the command instead of being asked. */
export interface ScanArgs {
  readonly layer?: string;
  readonly top?: number;
}

function scanArgs(value: unknown): ScanArgs {
  const v = value as Partial<ScanArgs> | null;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  return { ...(typeof v.layer === "string" ? { layer: v.layer } : {}), ...(Number.isInteger(v.top) ? { top: v.top } : {}) };
}

async function chooseFolder(clicked: unknown): Promise<vscode.Uri | undefined> {
  if (clicked instanceof vscode.Uri) return clicked;
  const picked = await vscode.window.showOpenDialog({ title: "Scan Folder with Feature Maps", canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0];
}

/** The files a model reads, by size and time: a changed checkpoint is a different model. */
async function modelStamps(model: ModelSource): Promise<string[]> {
  const files = model.kind === "onnx" ? [model.path] : "file" in model.weights ? [model.weights.file] : [];
  return Promise.all(files.map((f) => fs.stat(f).then((s) => `${s.size}:${s.mtimeMs}`, () => "missing")));
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "";
  return seconds < 60 ? `${Math.ceil(seconds)} s left` : `${Math.ceil(seconds / 60)} min left`;
}

/** A scan of `folder` through the model and preprocessing its settings name. */
function scanRequest(folder: vscode.Uri, layer: string, top: number): ScanRequest {
  const { model, preprocessing } = imageSource(folder).target().analyze;
  const maxImages = vscode.workspace.getConfiguration("featureMaps", folder).get<number>("scan.maxImages", SCAN_LIMITS.defaultMaxImages);
  return { folder: folder.fsPath, model, ...(preprocessing ? { preprocessing } : {}), layer, top, maxImages };
}

/** What a scan view runs its thumbnails' analyses with. */
function viewRequest(request: ScanRequest): Omit<ScanRequest, "folder" | "top" | "maxImages"> {
  return { model: request.model, layer: request.layer, ...(request.preprocessing ? { preprocessing: request.preprocessing } : {}) };
}

/**
 * *Scan Folder with Feature Maps*: every image under a folder through one layer, with a
 * cancellable progress notification (done/total, rate, time left), then the result view. A
 * result is kept per model, folder, layer and preprocessing, and shown again while no image in
 * the folder changed.
 */
export class FolderScans implements vscode.Disposable {
  private views: ScanView[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly cache: ScanCache,
  ) {}

  /** The scan view shown last. */
  get view(): ScanView | undefined {
    return this.views.at(-1);
  }

  async run(clicked?: unknown, args?: unknown): Promise<ScanResult | undefined> {
    try {
      return await this.scan(clicked, scanArgs(args));
    } catch (e) {
      if (errorCode(e) === "CANCELLED") void vscode.window.showInformationMessage("Feature Maps: the folder scan was cancelled.");
      else void vscode.window.showErrorMessage(`Feature Maps: ${(e as Error).message}`);
      return undefined;
    }
  }

  private async scan(clicked: unknown, args: ScanArgs): Promise<ScanResult | undefined> {
    const folder = await chooseFolder(clicked);
    if (!folder) return undefined;
    const { model, preprocessing } = imageSource(folder).target().analyze;
    const layer = args.layer ?? (await this.chooseLayer(model, preprocessing));
    if (!layer) return undefined;
    const request = scanRequest(folder, layer, args.top ?? SCAN_LIMITS.defaultTop);
    const { key, stamp } = await this.cacheKey(request);
    let result = await this.cache.get(key, stamp);
    if (!result) {
      result = await this.withProgress(request);
      await this.cache.put(key, stamp, result);
    }
    this.show(request, result);
    return result;
  }

  /**
   * A scan view of an earlier window, from the folder, layer and top its webview kept: shown
   * again while its stored result still holds (the same model, settings and files), else closed,
   * as a scan of a whole folder is not run again unasked.
   */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const kept = state as { folder?: unknown; layer?: unknown; top?: unknown } | undefined;
    const { folder, layer, top } = kept ?? {};
    let result: ScanResult | undefined;
    let request: ScanRequest | undefined;
    if (typeof folder === "string" && typeof layer === "string" && Number.isInteger(top)) {
      try {
        request = scanRequest(vscode.Uri.file(folder), layer, top as number);
        const { key, stamp } = await this.cacheKey(request);
        result = await this.cache.get(key, stamp);
      } catch {
        // Settings that no longer make a model, a folder gone: there is nothing to show.
      }
    }
    if (!request || !result) {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    this.adopt(new ScanView(panel, this.extensionUri, this.engine, request.folder, viewRequest(request), result));
  }

  /** Where a result of `request` is stored, and what the folder's images are now. */
  private async cacheKey(request: ScanRequest): Promise<{ readonly key: string; readonly stamp: string }> {
    const stamp = folderStamp(await walkImages(request.folder, request.maxImages));
    const key = JSON.stringify([request.model, await modelStamps(request.model), request.folder, request.layer, request.preprocessing ?? {}, request.top]);
    return { key, stamp };
  }

  /** The model's feature-map layers, from a run on the bundled sample image. */
  private async chooseLayer(model: ModelSource, preprocessing: ScanRequest["preprocessing"]): Promise<string | undefined> {
    const sample = vscode.Uri.joinPath(this.extensionUri, "media", "samples", "chelsea.png").fsPath;
    const { model: view } = await this.engine.call("analyze", { analyze: { input: { image: sample }, model, ...(preprocessing ? { preprocessing } : {}) } });
    const items = view.layers.filter((l) => l.shape.length === 4 && l.shape[0] === 1).map((l) => ({ label: l.id, description: `${l.op} [${l.shape.join(", ")}]` }));
    const picked = await vscode.window.showQuickPick(items, { title: `Scan Folder with Feature Maps: layer of ${view.label}`, placeHolder: "The layer whose channels to rank the images by", matchOnDescription: true });
    return picked?.label;
  }

  private async withProgress(request: ScanRequest): Promise<ScanResult> {
    const title = `Scanning ${path.basename(request.folder)} at ${request.layer}`;
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      const start = performance.now();
      let shown = 0;
      return this.engine.call("scan", { scan: request }, {
        signal: controller.signal,
        onProgress: (done, total) => {
          const seconds = (performance.now() - start) / 1000;
          const rate = done / Math.max(seconds, 1e-3);
          const share = total > 0 ? (100 * done) / total : 100;
          progress.report({ message: `${done}/${total} images · ${rate.toFixed(1)}/s${done > 0 && done < total ? ` · ${eta((total - done) / rate)}` : ""}`, increment: share - shown });
          shown = share;
        },
      });
    });
  }

  private show(request: ScanRequest, result: ScanResult): void {
    this.adopt(ScanView.create(this.extensionUri, this.engine, request.folder, viewRequest(request), result));
  }

  private adopt(view: ScanView): void {
    this.views.push(view);
    view.panel.onDidDispose(() => (this.views = this.views.filter((v) => v !== view)));
  }

  dispose(): void {
    for (const v of [...this.views]) v.panel.dispose();
  }
}

export function scanCache(context: vscode.ExtensionContext): ScanCache {
  return new ScanCache(path.join((context.storageUri ?? context.globalStorageUri).fsPath, "scans"));
}
