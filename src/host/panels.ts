import * as path from "path";
import * as vscode from "vscode";
import type { EngineClient } from "../engine/run/engineClient";
import type { ProviderStatus } from "./statusBar";
import { imageSource } from "./viewSources";
import { ViewController } from "./viewController";
import { webviewHtml, webviewOptions } from "./webviewHtml";

export const PANEL_VIEW_TYPE = "featureMaps.panel";

/** A webview that has not started by then is not waited for any longer. */
const START_WAIT_MS = 10_000;

function started(controller: ViewController): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    };
    const timer = setTimeout(done, START_WAIT_MS);
    const subscription = controller.onReady(done);
  });
}

interface OpenPanel {
  readonly panel: vscode.WebviewPanel;
  readonly controller: ViewController;
}

/** One panel per image: asking again reveals it. Panels come back after a window reload. */
export class PanelManager implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private readonly panels = new Map<string, OpenPanel>();
  private active?: OpenPanel;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly status: ProviderStatus,
  ) {}

  /** `config`: a model config to run the image through instead of the settings' model. */
  show(image: vscode.Uri, config?: string): ViewController {
    return this.open(image, config).controller;
  }

  /**
   * One panel per image, each made once the one before has started: VS Code in a browser serves
   * every webview from one origin, and a webview made while another is still registering its
   * service worker can stay blank for good.
   */
  async showAll(images: readonly vscode.Uri[], config?: string): Promise<void> {
    for (const image of images) {
      const { controller, made } = this.open(image, config);
      if (made) await started(controller);
    }
  }

  private open(image: vscode.Uri, config?: string): { readonly controller: ViewController; readonly made: boolean } {
    const existing = this.panels.get(image.toString());
    if (existing) {
      existing.panel.reveal();
      if (config !== undefined) existing.controller.setSource(imageSource(image, config));
      return { controller: existing.controller, made: false };
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, this.title(image), vscode.ViewColumn.Beside, webviewOptions(this.extensionUri));
    return { controller: this.adopt(panel, image, config), made: true };
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const resource = (state as { resource?: unknown } | undefined)?.resource;
    if (typeof resource !== "string") {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    this.adopt(panel, vscode.Uri.parse(resource));
  }

  private title(image: vscode.Uri): string {
    return `Feature Maps: ${path.basename(image.fsPath)}`;
  }

  private adopt(panel: vscode.WebviewPanel, image: vscode.Uri, config?: string): ViewController {
    const key = image.toString();
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, this.title(image), key);
    const controller = new ViewController(panel.webview, this.engine, imageSource(image, config));
    controller.start();
    const open = { panel, controller };
    this.panels.set(key, open);
    const subscriptions = [
      controller.onLoaded(() => this.active === open && this.status.show(controller.provider)),
      panel.onDidChangeViewState(() => {
        if (panel.active) {
          this.active = open;
          this.status.show(controller.provider);
        }
      }),
    ];
    panel.onDidDispose(() => {
      this.panels.delete(key);
      if (this.active === open) {
        this.active = undefined;
        this.status.show(undefined);
      }
      controller.dispose();
      for (const s of subscriptions) s.dispose();
    });
    this.active = open;
    return controller;
  }

  /** The panel of an image, or of the panel last focused. */
  controllerFor(image?: vscode.Uri): ViewController | undefined {
    return image ? this.panels.get(image.toString())?.controller : this.active?.controller;
  }

  reloadAll(): void {
    for (const { controller } of this.panels.values()) void controller.load();
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
  }
}
