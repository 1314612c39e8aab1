import * as path from "path";
import * as vscode from "vscode";
import type { AnalyzeRequest, ScanRequest } from "../../engine/engine";
import type { EngineClient } from "../../engine/run/engineClient";
import { writeOutputFile } from "../../engine/formats/output";
import { scanCsv, scanJson } from "../../engine/scan/export";
import type { ScanExport } from "../../shared/choices";
import { toErrorData } from "../../shared/errors";
import type { ScanFromView, ScanResult, ScanThumbnail, ScanToView, ScanViewReport } from "../../shared/scan";
import { webviewHtml, webviewOptions } from "../webviewHtml";
import { scanMessage } from "./scanMessages";

export const SCAN_VIEW_TYPE = "featureMaps.scan";

const REPORT_TIMEOUT_MS = 10_000;

/**
 * A scan's result in a webview of its own: per-channel means as a chart, dead channels, and a
 * channel's best images with its map over them, computed for that channel when it is chosen (a
 * second, small pass: only those images, through the analyses the panels use).
 */
export class ScanView {
  private thumbnails?: AbortController;
  private reportId = 0;
  private readonly reports = new Map<number, (report: ScanViewReport) => void>();
  private readonly emitter = new vscode.EventEmitter<ScanViewReport["channel"]>();
  /** Fires with the channel whose thumbnails were sent. */
  readonly onThumbnails = this.emitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    readonly folder: string,
    private readonly request: Omit<ScanRequest, "folder" | "top" | "maxImages">,
    readonly result: ScanResult,
  ) {
    const title = `Scan: ${path.basename(folder)} · ${result.layer}`;
    panel.webview.html = webviewHtml(panel.webview, extensionUri, title, vscode.Uri.file(folder).toString(), "scan");
    panel.webview.onDidReceiveMessage((m: unknown) => {
      const message = scanMessage(m);
      if (message) void this.receive(message);
    });
    panel.onDidDispose(() => {
      this.thumbnails?.abort();
      this.emitter.dispose();
    });
  }

  static create(extensionUri: vscode.Uri, engine: EngineClient, folder: string, request: Omit<ScanRequest, "folder" | "top" | "maxImages">, result: ScanResult): ScanView {
    const panel = vscode.window.createWebviewPanel(SCAN_VIEW_TYPE, `Scan: ${path.basename(folder)}`, vscode.ViewColumn.Active, webviewOptions(extensionUri));
    return new ScanView(panel, extensionUri, engine, folder, request, result);
  }

  private post(message: ScanToView): void {
    void this.panel.webview.postMessage(message);
  }

  private async receive(message: ScanFromView): Promise<void> {
    switch (message.type) {
      case "ready":
        this.post({ type: "scanResult", result: this.result, folder: this.folder });
        return;
      case "scanThumbnails":
        await this.sendThumbnails(message.channel);
        return;
      case "scanOpen":
        // Only an image the result lists: the view names images, it does not name files.
        if (!this.listed(message.path)) return;
        await vscode.commands.executeCommand("featureMaps.visualize", vscode.Uri.file(path.join(this.folder, message.path)), { layer: this.result.layer, channel: message.channel });
        return;
      case "scanExport":
        await this.export(message.format);
        return;
      case "scanReport":
        this.reports.get(message.id)?.(message.report);
        this.reports.delete(message.id);
    }
  }

  private listed(rel: string): boolean {
    return this.result.channels.some((c) => c.topByMean.some((h) => h.path === rel) || c.topByMax.some((h) => h.path === rel));
  }

  private analyzeRequest(rel: string): AnalyzeRequest {
    return { input: { image: path.join(this.folder, rel) }, model: this.request.model, ...(this.request.preprocessing ? { preprocessing: this.request.preprocessing } : {}) };
  }

  private async thumbnail(rel: string, channel: number, signal: AbortSignal): Promise<ScanThumbnail> {
    try {
      const analyze = this.analyzeRequest(rel);
      const { image } = await this.engine.call("analyze", { analyze }, { signal });
      const map = await this.engine.call("channel", { analyze, layer: this.result.layer, channel }, { signal });
      if (!image) throw new Error("the analysis has no image");
      return { path: rel, picture: image.original, map: map.values, mapHeight: map.height, mapWidth: map.width };
    } catch (e) {
      return { path: rel, error: toErrorData(e) };
    }
  }

  /** The channel's best images, each once, with its map; a newer choice of channel cancels this one. */
  private async sendThumbnails(channel: number): Promise<void> {
    const c = this.result.channels[channel];
    if (!c) return;
    this.thumbnails?.abort();
    const controller = new AbortController();
    this.thumbnails = controller;
    const paths = [...new Set([...c.topByMean, ...c.topByMax].map((h) => h.path))];
    const thumbnails: ScanThumbnail[] = [];
    for (const rel of paths) {
      if (controller.signal.aborted) return;
      thumbnails.push(await this.thumbnail(rel, channel, controller.signal));
    }
    if (controller.signal.aborted) return;
    this.post({ type: "scanThumbnails", channel, thumbnails });
    this.emitter.fire(channel);
  }

  /** Writes the result as JSON or CSV; `target` skips the dialog. The file written, or undefined when the dialog was dismissed. */
  async export(format: ScanExport, target?: vscode.Uri): Promise<string | undefined> {
    const name = `${path.basename(this.folder)}.${this.result.layer.replace(/[^\w.-]+/g, "_")}.scan.${format}`;
    const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(path.dirname(this.folder), name)), filters: format === "json" ? { JSON: ["json"] } : { CSV: ["csv"] } }));
    if (!uri) return undefined;
    const text = format === "json" ? scanJson(this.result) : scanCsv(this.result);
    const bytes = new TextEncoder().encode(text);
    if (uri.scheme === "file") await writeOutputFile(uri.fsPath, bytes);
    else await vscode.workspace.fs.writeFile(uri, bytes);
    return uri.fsPath;
  }

  /** What the view shows now, from the webview itself. */
  report(): Promise<ScanViewReport> {
    const id = ++this.reportId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reports.delete(id);
        reject(new Error("the scan view did not answer"));
      }, REPORT_TIMEOUT_MS);
      this.reports.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.post({ type: "scanReport", id });
    });
  }
}
