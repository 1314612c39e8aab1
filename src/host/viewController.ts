import * as path from "path";
import * as vscode from "vscode";
import type { AnalyzeRequest } from "../engine/engine";
import type { EngineClient } from "../engine/run/engineClient";
import type { AnalyzeResult, FirstTiles } from "../engine/run/engineMethods";
import { errorCode, FeatureMapsError, toErrorData } from "../shared/errors";
import type { ExplainMethod, NavAction } from "../shared/choices";
import type { DisplayDefaults, ExplainViewChange, GridView, HostMethods, ImageView, LayerRequest, LayerTiles, OverlaySnapshot, PanelNav, PanelView, Picture, ProviderReport, Snapshot, ToHost, ToWebview, WebviewMethods } from "../shared/protocol";
import { RpcEndpoint } from "../shared/rpc";
import { hintFor } from "./errorHints";
import { withSlowProgress } from "./slowProgress";
import { exportLayerNpy, exportOverlay, exportSnapshotPng } from "./exports";
import { displayDefaults } from "./settings";
import { HOST_PARAMS, validateNotice, WEBVIEW_RESULTS } from "./validateMessage";

export type ExplainedInfo = Omit<Extract<ToHost, { type: "explained" }>, "type">;

export interface PaintInfo {
  readonly layer: string;
  readonly channels: readonly number[];
  readonly tiles: number;
  readonly view: GridView;
}

/** What to run, and what a config says about showing it. */
export interface ViewTarget {
  readonly analyze: AnalyzeRequest;
  readonly pinned?: readonly string[];
  readonly display?: Partial<DisplayDefaults>;
}

/** What a view shows. */
export interface ViewSource {
  readonly title: string;
  /** Throws with a user-facing message when settings or a config are invalid. */
  target(): ViewTarget;
  /** The files the view reads, for a target or (when the target failed) as far as known. */
  files(target?: ViewTarget): string[];
  /** Settings scope for display defaults. */
  readonly scope?: vscode.Uri;
}

export function targetOrUndefined(source: ViewSource): ViewTarget | undefined {
  try {
    return source.target();
  } catch {
    return undefined;
  }
}

function displayOf(source: ViewSource, target: ViewTarget): DisplayDefaults {
  return { ...displayDefaults(source.scope), ...target.display };
}

/** Equal for requests that name the same analysis. */
function analysisKey(request: AnalyzeRequest): string {
  return JSON.stringify(request);
}

function samePicture(a: Picture, b: Picture): boolean {
  return a.width === b.width && a.height === b.height && a.rgba.every((v, i) => v === b.rgba[i]);
}

function sameImage(a: ImageView, b: ImageView): boolean {
  return a.fileName === b.fileName && samePicture(a.original, b.original) && samePicture(a.modelInput, b.modelInput);
}

/** A run's result and the tiles that go with it. */
interface Outcome {
  readonly result: AnalyzeResult;
  readonly first?: LayerTiles;
}

/** A file is often written in several steps: the view re-runs once they have stopped this long. */
const FILE_SETTLE_MS = 200;

/** A snapshot is painted from tiles the view holds: a view that does not answer is hidden or gone. */
const SNAPSHOT_TIMEOUT_MS = 10_000;

/**
 * One webview's side of the protocol. The panel and the side view both use it: the same
 * messages, the same checks, the newest layer request winning.
 */
export class ViewController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly paintedEmitter = new vscode.EventEmitter<PaintInfo>();
  private readonly loadedEmitter = new vscode.EventEmitter<AnalyzeResult | Error>();
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  readonly onPainted = this.paintedEmitter.event;
  readonly onLoaded = this.loadedEmitter.event;
  /** The webview's script is running: it says so each time the webview is made. */
  readonly onReady = this.readyEmitter.event;
  private readonly explainedEmitter = new vscode.EventEmitter<ExplainedInfo>();
  private readonly explainProgressEmitter = new vscode.EventEmitter<{ readonly method: ExplainMethod; readonly done: number; readonly total: number }>();
  /** After every render of an Explain overlay in the webview. */
  readonly onExplained = this.explainedEmitter.event;
  /** Progress of the explanations the webview asked for, per batch of the multi-pass methods. */
  readonly onExplainProgress = this.explainProgressEmitter.event;
  private readonly navigateEmitter = new vscode.EventEmitter<NavAction>();
  /** A navigation button of a panel (the panel manager acts on it). */
  readonly onNavigate = this.navigateEmitter.event;
  /** A panel's navigation, posted again to a webview made anew. */
  private nav?: PanelNav;
  private readonly rpc: RpcEndpoint<HostMethods, WebviewMethods>;
  private generation = 0;
  private current?: { readonly request: AnalyzeRequest; readonly result: AnalyzeResult; readonly display: DisplayDefaults; readonly pinned: readonly string[] };
  /** An analysis started before the webview could ask (see start): the first load takes it. */
  private early?: { readonly key: string; readonly work: Promise<Outcome> };
  /** The grid's last request for the tiles on screen. */
  private shownRequest?: LayerRequest;
  /** The files the view reads (image, model, weights, config): a change on disk re-runs it. */
  private readonly watched = new Map<string, vscode.Disposable>();
  private rerun?: NodeJS.Timeout;
  /** The image of the last `loaded` the webview got since its script started. */
  private imageShown?: ImageView;
  /** While a hint is shown instead of a model, a reloaded webview gets the hint again. */
  private hint?: { readonly message: ToWebview; readonly command?: string; readonly args: readonly unknown[] };
  lastPaint?: PaintInfo;
  lastExplained?: ExplainedInfo;
  lastError?: string;
  provider?: ProviderReport;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly engine: EngineClient,
    /** Undefined until the view has something to show (the side view starts with a hint). */
    private source?: ViewSource,
  ) {
    this.rpc = new RpcEndpoint<HostMethods, WebviewMethods>({
      post: (m) => void webview.postMessage(m),
      handlers: {
        layer: ({ request, shown }, signal) => {
          if (shown) this.shownRequest = request;
          return this.engine.call("layer", { analyze: this.shown(), request }, { signal });
        },
        channel: ({ layer, channel }, signal) => this.engine.call("channel", { analyze: this.shown(), layer, channel }, { signal }),
        explain: ({ explain }, signal, progress) =>
          this.engine.call("explain", { analyze: this.shown(), explain }, {
            signal,
            onProgress: (done, total) => {
              progress(done, total);
              this.explainProgressEmitter.fire({ method: explain.method, done, total });
            },
          }),
        exportExplain: async ({ kind, method }) => ({ path: await exportOverlay(await this.overlay(method), kind, this.shown()) }),
        export: async ({ kind, layer }, signal) => {
          const analyze = this.shown();
          return { path: kind === "npy" ? await exportLayerNpy(this.engine, analyze, layer, undefined, signal) : await exportSnapshotPng(await this.snapshot(), layer, analyze) };
        },
      },
      checkParams: HOST_PARAMS,
      checkResults: WEBVIEW_RESULTS,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m) => this.receive(m)),
      this.paintedEmitter,
      this.loadedEmitter,
      this.readyEmitter,
      this.explainedEmitter,
      this.explainProgressEmitter,
      this.navigateEmitter,
    );
  }

  /** The analysis on screen, which every request of the webview is about. */
  private shown(): AnalyzeRequest {
    if (!this.current) throw new FeatureMapsError("NOT_READY", "Nothing is loaded yet.");
    return this.current.request;
  }

  /**
   * Shows a new source. When it asks for the analysis already shown (a config edit of colours or
   * pinned layers), only the display changes: re-running and re-sending the result would make
   * every such keystroke cost a model run.
   */
  setSource(source: ViewSource): void {
    this.source = source;
    this.hint = undefined;
    const current = this.current;
    const target = current && targetOrUndefined(source);
    if (!current || !target || analysisKey(target.analyze) !== analysisKey(current.request)) {
      void this.load();
      return;
    }
    this.generation++;
    this.lastError = undefined;
    this.current = { ...current, display: displayOf(source, target), pinned: target.pinned ?? [] };
    this.post({ type: "display", defaults: this.current.display, pinned: this.current.pinned });
  }

  /**
   * Starts the analysis now, while VS Code creates the webview: that takes a second or more in
   * the web workbench, and the model can run meanwhile instead of after the webview's `ready`.
   */
  start(): void {
    const source = this.source;
    const target = source && targetOrUndefined(source);
    if (!source || !target) return;
    const work = this.analyzeWithTiles(source, target);
    // Errors surface when load() takes the work over.
    work.catch(() => undefined);
    this.early = { key: analysisKey(target.analyze), work };
  }

  /**
   * The analysis, and the tiles the view will ask for first: the same ones as last time, or the
   * opening figure of a new view. They go with the result, saving the view a round trip; a view
   * that wants others asks as usual.
   */
  private async analyzeWithTiles(source: ViewSource, target: ViewTarget): Promise<Outcome> {
    const first: FirstTiles = this.shownRequest ? { request: this.shownRequest } : { pinned: target.pinned ?? [], normalize: displayOf(source, target).normalize };
    const { first: tiles, ...result } = await this.engine.call("analyze", { analyze: target.analyze, first });
    return { result, first: tiles };
  }

  private post(message: ToWebview): void {
    void this.webview.postMessage(message);
  }

  /** Runs the model on the source and tells the webview; a failure keeps what was shown before. */
  async load(): Promise<void> {
    const source = this.source;
    if (!source) return;
    const generation = ++this.generation;
    this.post({ type: "busy", message: `Running ${source.title}…` });
    let target: ViewTarget;
    try {
      target = source.target();
    } catch (e) {
      // A config being fixed on disk runs again by itself.
      this.watch(source.files());
      this.fail(e as Error);
      return;
    }
    this.watch(source.files(target));
    const request = target.analyze;
    const early = this.early;
    this.early = undefined;
    const work = early?.key === analysisKey(request) ? early.work : this.analyzeWithTiles(source, target);
    let outcome: Outcome;
    try {
      outcome = await withSlowProgress(work, source.title);
    } catch (e) {
      if (generation === this.generation) this.fail(e as Error);
      return;
    }
    if (generation !== this.generation) return;
    const { result, first } = outcome;
    const image = result.image;
    if (!image) {
      this.fail(new FeatureMapsError("INTERNAL", "The analysis returned no image."));
      return;
    }
    this.current = { request, result, display: displayOf(source, target), pinned: target.pinned ?? [] };
    this.lastError = undefined;
    this.provider = result.model.provider;
    this.postCurrent(first);
    this.loadedEmitter.fire(result);
  }

  private postCurrent(first?: Outcome["first"]): void {
    const image = this.current?.result.image;
    if (!this.current || !image) return;
    const { result, display, pinned } = this.current;
    const shown = this.imageShown;
    this.imageShown = image;
    if (shown !== undefined && sameImage(shown, image)) {
      this.post({ type: "loaded", model: result.model, defaults: display, pinned, first });
    } else if (shown !== undefined) {
      this.post({ type: "loaded", model: result.model, imageFollows: true, defaults: display, pinned, first });
      this.post({ type: "image", image });
    } else {
      this.post({ type: "loaded", model: result.model, image, defaults: display, pinned, first });
    }
  }

  private watch(files: readonly string[]): void {
    const wanted = new Set(files.map((f) => path.resolve(f)));
    for (const [file, watcher] of this.watched) {
      if (wanted.has(file)) continue;
      watcher.dispose();
      this.watched.delete(file);
    }
    for (const file of wanted) {
      if (this.watched.has(file)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
      const changed = (): void => {
        clearTimeout(this.rerun);
        this.rerun = setTimeout(() => void this.load(), FILE_SETTLE_MS);
      };
      this.watched.set(file, vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed)));
    }
  }

  /** Shows a message instead of a model, with an optional button that runs a command. */
  showHint(message: string, action?: { readonly label: string; readonly command: string; readonly args?: readonly unknown[] }): void {
    this.generation++;
    this.current = undefined;
    this.watch([]);
    const post: ToWebview = { type: "hint", message, action: action && { label: action.label, command: action.command } };
    this.hint = { message: post, command: action?.command, args: action?.args ?? [] };
    this.post(post);
  }

  private fail(e: Error): void {
    const error = toErrorData(e);
    this.lastError = error.message;
    this.post({ type: "failed", error, hint: hintFor(errorCode(e)), keepResult: this.current !== undefined });
    this.loadedEmitter.fire(e);
  }

  private receive(raw: unknown): void {
    if (this.rpc.receive(raw)) return;
    const checked = validateNotice(raw);
    // A malformed notice has nobody to answer; dropping it keeps the host safe.
    if ("notice" in checked) void this.handle(checked.notice);
  }

  private async handle(message: ToHost): Promise<void> {
    switch (message.type) {
      case "ready":
        this.imageShown = undefined;
        if (this.nav) this.post({ type: "panelNav", nav: this.nav });
        this.readyEmitter.fire();
        if (this.hint) {
          this.post(this.hint.message);
          return;
        }
        // A webview made anew (shown again after being hidden) gets the result it had: anything
        // that would change it (the file, the settings) has re-run the model meanwhile.
        if (this.current && this.lastError === undefined) {
          this.postCurrent();
          return;
        }
        return this.load();
      case "retry":
        return this.load();
      case "openSettings":
        void vscode.commands.executeCommand("workbench.action.openSettings", "featureMaps");
        return;
      case "hintAction":
        if (this.hint?.command) void vscode.commands.executeCommand(this.hint.command, ...this.hint.args);
        return;
      case "navigate":
        this.navigateEmitter.fire(message.action);
        return;
      case "painted":
        this.lastPaint = message;
        this.paintedEmitter.fire(message);
        return;
      case "explained": {
        const { type: _type, ...info } = message;
        this.lastExplained = info;
        this.explainedEmitter.fire(info);
        return;
      }
    }
  }

  /** The grid as painted now, from the webview. */
  snapshot(): Promise<Snapshot> {
    return this.rpc.call("snapshot", {}, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  }

  /** An Explain overlay as painted now, with its raw map, from the webview. */
  overlay(method?: ExplainMethod): Promise<OverlaySnapshot> {
    return this.rpc.call("overlay", method ? { method } : {}, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
  }

  /** Switches the webview's main area, and changes what its Explain view shows. */
  showView(view: PanelView, explain?: ExplainViewChange): void {
    this.post({ type: "showView", view, explain });
  }

  /** The panel's place in its folder and history, shown by its navigation buttons. */
  showNav(nav: PanelNav): void {
    this.nav = nav;
    this.post({ type: "panelNav", nav });
  }

  /** `channel`: also opens that channel in the zoom view. */
  selectLayer(layer: string, view?: GridView, channel?: number): void {
    this.post({ type: "selectLayer", layer, view, channel });
  }

  /** The last good analysis, for exports started from commands. */
  get analysis(): AnalyzeRequest | undefined {
    return this.current?.request;
  }

  dispose(): void {
    this.generation++;
    this.rpc.close();
    clearTimeout(this.rerun);
    this.watch([]);
    for (const d of this.disposables) d.dispose();
  }
}
