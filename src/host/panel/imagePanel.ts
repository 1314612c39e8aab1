import * as path from "path";
import * as vscode from "vscode";
import type { EngineClient } from "../../engine/run/engineClient";
import type { NavAction } from "../../shared/choices";
import { targetOrUndefined, ViewController } from "../viewController";
import { imageSource } from "../viewSources";
import { webviewHtml } from "../webviewHtml";
import { folderImages } from "./folderImages";
import { neighbour } from "./folderOrder";
import { NavHistory } from "./history";
import { Prefetch } from "./prefetch";

/** Back and forward reach this many images. */
const HISTORY_LENGTH = 100;

export function panelTitle(image: vscode.Uri, locked: boolean): string {
  return `${locked ? "[Locked] " : ""}Feature Maps: ${path.basename(image.fsPath)}`;
}

/**
 * One panel: a webview that shows one image at a time and moves to another in the same webview,
 * so the view keeps its layer, display settings, zoomed channel and scroll. It steps through the
 * image's folder, goes back and forward in what it showed, and prefetches the next image.
 */
export class ImagePanel implements vscode.Disposable {
  readonly controller: ViewController;
  private current: vscode.Uri;
  private config?: string;
  private isLocked: boolean;
  private readonly history = new NavHistory(HISTORY_LENGTH);
  private readonly prefetch: Prefetch;
  /** The way the user last stepped through the folder: the prefetch goes on that way. */
  private step: 1 | -1 = 1;
  private prefetchDue = false;
  /** The current image's folder, listed once per image shown. */
  private listing: ReturnType<typeof folderImages>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    engine: EngineClient,
    image: vscode.Uri,
    config: string | undefined,
    locked: boolean,
  ) {
    this.current = image;
    this.config = config;
    this.isLocked = locked;
    panel.webview.html = webviewHtml(panel.webview, extensionUri, panelTitle(image, locked), image.toString());
    this.controller = new ViewController(panel.webview, engine, imageSource(image, config));
    this.prefetch = new Prefetch(engine);
    this.controller.start();
    this.subscriptions = [
      this.controller.onLoaded((r) => (this.prefetchDue = !(r instanceof Error))),
      // Only once the new image is painted: the prefetch must not delay the tiles the user waits for.
      this.controller.onPainted(() => {
        if (!this.prefetchDue) return;
        this.prefetchDue = false;
        void this.prefetchNext();
      }),
      this.controller.onNavigate((action) => void this.navigate(action)),
    ];
    this.listing = folderImages(image);
    this.history.visit(image.toString());
    this.shown();
  }

  get image(): vscode.Uri {
    return this.current;
  }

  get locked(): boolean {
    return this.isLocked;
  }

  /** Shows another image in this panel. `config`: a model config to run it through, else the settings' model. */
  show(image: vscode.Uri, config: string | undefined): void {
    this.config = config;
    this.display(image);
  }

  private display(image: vscode.Uri, record = true): void {
    this.current = image;
    const source = imageSource(image, this.config);
    this.prefetch.before(targetOrUndefined(source)?.analyze);
    this.controller.setSource(source);
    this.listing = folderImages(image);
    if (record) this.history.visit(image.toString());
    this.shown();
  }

  setLocked(locked: boolean): void {
    this.isLocked = locked;
    this.shown();
  }

  async navigate(action: NavAction): Promise<void> {
    switch (action) {
      case "lock":
      case "unlock":
        return this.setLocked(action === "lock");
      case "back":
      case "forward": {
        const uri = action === "back" ? this.history.back() : this.history.forward();
        if (uri) this.display(vscode.Uri.parse(uri), false);
        return;
      }
      case "next":
      case "previous": {
        this.step = action === "next" ? 1 : -1;
        const next = await this.neighbour();
        if (next) this.display(next);
        return;
      }
    }
  }

  private async neighbour(): Promise<vscode.Uri | undefined> {
    const { folder, names } = await this.listing;
    const name = neighbour(names, path.basename(this.current.fsPath), this.step);
    return name === undefined ? undefined : vscode.Uri.joinPath(folder, name);
  }

  private async prefetchNext(): Promise<void> {
    const next = await this.neighbour();
    const request = next && targetOrUndefined(imageSource(next, this.config))?.analyze;
    if (request) this.prefetch.start(request);
  }

  /** Title, lock and the navigation buttons for the image now shown. */
  private shown(): void {
    const image = this.current;
    this.panel.title = panelTitle(image, this.isLocked);
    const post = (index: number, count: number): void =>
      this.controller.showNav({
        resource: image.toString(),
        locked: this.isLocked,
        index,
        count,
        can: { previous: index > 1, next: index < count, back: this.history.canBack, forward: this.history.canForward },
      });
    void this.listing.then(({ names }) => {
      if (this.current !== image) return;
      post(names.indexOf(path.basename(image.fsPath)) + 1, names.length);
    });
  }

  dispose(): void {
    this.prefetch.dispose();
    this.controller.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
