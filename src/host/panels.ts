import * as vscode from "vscode";
import type { EngineClient } from "../engine/run/engineClient";
import { NAV_ACTIONS, type NavAction } from "../shared/choices";
import type { ProviderStatus } from "./statusBar";
import { ImagePanel, panelTitle } from "./panel/imagePanel";
import type { ViewController } from "./viewController";
import { webviewOptions } from "./webviewHtml";

export const PANEL_VIEW_TYPE = "featureMaps.panel";

/** The `when` context key of the active panel's lock (its title-bar button). */
const LOCKED_CONTEXT = "featureMaps.panelLocked";

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

/** How a panel is chosen: the one that follows the user's clicks, one of the image's own, or a new one beside. */
type Placement = "follow" | "own" | "side";

function reusePanel(): boolean {
  return vscode.workspace.getConfiguration("featureMaps").get<boolean>("reusePanel", true);
}

/**
 * The panels, as Markdown preview has them: *Visualize Feature Maps* shows the image in the
 * unlocked panel used last (retitled, its view kept), a locked panel keeps its image, and a panel
 * showing the image already is revealed. Panels come back after a window reload with their image
 * and lock.
 */
export class PanelManager implements vscode.Disposable, vscode.WebviewPanelSerializer {
  /** The panels, the one focused most recently last. */
  private panels: ImagePanel[] = [];
  private active?: ImagePanel;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly status: ProviderStatus,
  ) {}

  /** `config`: a model config to run the image through instead of the settings' model. */
  show(image: vscode.Uri, config?: string, placement: Placement = "follow"): ViewController {
    return this.open(image, config, placement).controller;
  }

  /**
   * One image follows as show() does. Several (an Explorer multi-selection) get a panel each, each
   * made once the one before has started: VS Code in a browser serves every webview from one
   * origin, and a webview made while another is still registering its service worker can stay
   * blank for good.
   */
  async showAll(images: readonly vscode.Uri[], config?: string, placement: Placement = "follow"): Promise<void> {
    for (const image of images) {
      const { controller, made } = this.open(image, config, images.length > 1 && placement === "follow" ? "own" : placement);
      if (made) await started(controller);
    }
  }

  private open(image: vscode.Uri, config: string | undefined, placement: Placement): { readonly controller: ViewController; readonly made: boolean } {
    const key = image.toString();
    const showing = placement === "side" ? undefined : this.panels.find((p) => p.image.toString() === key);
    const follower = placement === "follow" && reusePanel() ? [...this.panels].reverse().find((p) => !p.locked) : undefined;
    const reused = showing ?? follower;
    if (reused) {
      if (reused !== showing || config !== undefined) reused.show(image, config);
      reused.panel.reveal();
      // Now, not when VS Code reports the focus: a command right after acts on this panel.
      this.activate(reused);
      return { controller: reused.controller, made: false };
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, panelTitle(image, false), vscode.ViewColumn.Beside, webviewOptions(this.extensionUri));
    return { controller: this.adopt(panel, image, config, false).controller, made: true };
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = state as { resource?: unknown; locked?: unknown } | undefined;
    if (typeof saved?.resource !== "string") {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    this.adopt(panel, vscode.Uri.parse(saved.resource), undefined, saved.locked === true);
  }

  private adopt(panel: vscode.WebviewPanel, image: vscode.Uri, config: string | undefined, locked: boolean): ImagePanel {
    const open = new ImagePanel(panel, this.extensionUri, this.engine, image, config, locked);
    const { controller } = open;
    this.panels.push(open);
    const subscriptions = [
      controller.onLoaded(() => this.active === open && this.status.show(controller.provider)),
      controller.onNavigate((action) => this.navigated(open, action)),
      panel.onDidChangeViewState(() => {
        if (panel.active) this.activate(open);
      }),
    ];
    panel.onDidDispose(() => {
      this.panels = this.panels.filter((p) => p !== open);
      if (this.active === open) {
        this.active = undefined;
        this.status.show(undefined);
        this.showLock();
      }
      open.dispose();
      for (const s of subscriptions) s.dispose();
    });
    this.activate(open);
    return open;
  }

  private activate(open: ImagePanel): void {
    this.active = open;
    this.panels = [...this.panels.filter((p) => p !== open), open];
    this.status.show(open.controller.provider);
    this.showLock();
  }

  private showLock(): void {
    void vscode.commands.executeCommand("setContext", LOCKED_CONTEXT, this.active?.locked === true);
  }

  /** A lock changed in the panel itself: its title-bar button follows. */
  private navigated(open: ImagePanel, action: NavAction): void {
    if (open === this.active && (action === "lock" || action === "unlock")) this.showLock();
  }

  /** The commands of the panel focused last, one per navigation action. */
  commands(): vscode.Disposable[] {
    const names: Record<NavAction, string> = {
      previous: "featureMaps.previousImage",
      next: "featureMaps.nextImage",
      back: "featureMaps.back",
      forward: "featureMaps.forward",
      lock: "featureMaps.lockPanel",
      unlock: "featureMaps.unlockPanel",
    };
    return NAV_ACTIONS.map((action) =>
      vscode.commands.registerCommand(names[action], async () => {
        const open = this.active;
        if (!open) return;
        await open.navigate(action);
        this.navigated(open, action);
      }),
    );
  }

  /** The panel of an image, or of the panel last focused. */
  controllerFor(image?: vscode.Uri): ViewController | undefined {
    return image ? this.panels.find((p) => p.image.toString() === image.toString())?.controller : this.active?.controller;
  }

  /** Every panel, the one focused most recently last (tests). */
  list(): readonly { readonly panel: vscode.WebviewPanel; readonly controller: ViewController; readonly image: vscode.Uri; readonly locked: boolean }[] {
    return [...this.panels];
  }

  reloadAll(): void {
    for (const { controller } of this.panels) void controller.load();
  }

  dispose(): void {
    for (const { panel } of [...this.panels]) panel.dispose();
  }
}
