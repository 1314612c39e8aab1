import * as vscode from "vscode";
import type { EngineClient } from "../../engine/run/engineClient";
import type { CompareRange } from "../../shared/choices";
import type { CompareHostMethods, CompareOpened, CompareReply, CompareSnapshot, CompareWebviewMethods } from "../../shared/compare";
import { FeatureMapsError } from "../../shared/errors";
import { RpcEndpoint } from "../../shared/rpc";
import { chooseTarget, exportSnapshotPng, writeExport } from "../exports";
import { COMPARE_PARAMS, COMPARE_RESULTS } from "../validateMessage";
import { webviewHtml, webviewOptions } from "../webviewHtml";
import type { ResolvedSide } from "./compareSides";

export const COMPARE_VIEW_TYPE = "featureMaps.compare";

/** A paint of a layer with many channels waits for two runs: more than a snapshot. */
const SHOW_TIMEOUT_MS = 120_000;
const SNAPSHOT_TIMEOUT_MS = 10_000;

/** One panel comparing A and B: the webview asks for both sides' layers, the engine pairs them. */
export class ComparePanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly rpc: RpcEndpoint<CompareHostMethods, CompareWebviewMethods>;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last failure of opening either side, as the webview shows it (tests, the log). */
  lastError?: string;
  /** What the last comparison sent could compare, and why not more (tests). */
  lastCompared?: Pick<CompareReply, "layer" | "comparable" | "note">;

  /** `panel`: one VS Code brings back after a reload; else a new one is made. */
  constructor(
    extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    readonly a: ResolvedSide,
    readonly b: ResolvedSide,
    resource: string,
    panel?: vscode.WebviewPanel,
  ) {
    const title = `Compare: ${a.label} | ${b.label}`;
    this.panel = panel ?? vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Beside, webviewOptions(extensionUri));
    this.panel.webview.options = webviewOptions(extensionUri);
    this.rpc = new RpcEndpoint<CompareHostMethods, CompareWebviewMethods>({
      post: (m) => void this.panel.webview.postMessage(m),
      handlers: {
        open: () => this.open(),
        compare: async ({ request }, signal) => {
          const reply = await this.engine.call("compare", { a: a.analyze, b: b.analyze, request }, { signal });
          this.lastCompared = { layer: reply.layer, comparable: reply.comparable, note: reply.note };
          return reply;
        },
        exportCompare: async ({ kind, layer }) => ({ path: kind === "png" ? await this.exportPng(layer) : await this.exportNpz(layer) }),
      },
      checkParams: COMPARE_PARAMS,
      checkResults: COMPARE_RESULTS,
    });
    // Anything else the webview says (its `ready`) needs no answer here: it asks for what it shows.
    this.disposables.push(this.panel.webview.onDidReceiveMessage((m) => this.rpc.receive(m)));
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, title, resource, "compare");
    this.panel.onDidDispose(() => this.dispose());
  }

  private async open(): Promise<CompareOpened> {
    try {
      const [resultA, resultB] = [await this.engine.call("analyze", { analyze: this.a.analyze }), await this.engine.call("analyze", { analyze: this.b.analyze })];
      const inB = new Set(resultB.model.layers.map((l) => l.id));
      const layers = resultA.model.layers.filter((l) => inB.has(l.id));
      if (layers.length === 0) {
        throw new FeatureMapsError("LAYER_UNKNOWN", `${this.a.label} (${resultA.model.label}) and ${this.b.label} (${resultB.model.label}) have no layer of the same name to compare`);
      }
      this.lastError = undefined;
      return { a: { label: this.a.label, input: resultA.image?.modelInput }, b: { label: this.b.label, input: resultB.image?.modelInput }, layers };
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    }
  }

  /** The panel as painted now. */
  snapshot(): Promise<CompareSnapshot> {
    return this.rpc.call("snapshot", {}, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  }

  /** Shows a layer and/or range mode; resolves once painted. */
  show(change: { readonly layer?: string; readonly range?: CompareRange }): Promise<CompareSnapshot> {
    return this.rpc.call("show", change, { timeoutMs: SHOW_TIMEOUT_MS });
  }

  /** The panel as painted, as PNG; undefined when the user cancels the dialog. */
  async exportPng(layer: string, target?: vscode.Uri): Promise<string | undefined> {
    return exportSnapshotPng(await this.snapshot(), `${layer}.compare`, this.a.analyze, target);
  }

  /** A, B and A - B of the layer as an .npz (keys a, b, diff); undefined when the user cancels. */
  async exportNpz(layer: string, target?: vscode.Uri): Promise<string | undefined> {
    const uri = await chooseTarget(this.a.analyze, `${layer}.compare`, "npz", { NumPy: ["npz"] }, target);
    if (!uri) return undefined;
    await writeExport(uri, await this.engine.call("compareNpz", { a: this.a.analyze, b: this.b.analyze, layer }));
    return uri.fsPath;
  }

  dispose(): void {
    this.rpc.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
