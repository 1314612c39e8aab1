import * as vscode from "vscode";
import type { EngineClient } from "../engine/run/engineClient";
import { isConfigDocument } from "./configDiagnostics";
import { activeTabImage } from "./imageFiles";
import { ViewController, type ViewSource } from "./viewController";
import { configDocumentSource, imageSource } from "./viewSources";
import { webviewHtml, webviewOptions } from "./webviewHtml";

export const SIDE_VIEW_ID = "featureMaps.sideView";

/** Typing pauses this long before the model re-runs: long enough to skip keystrokes, short enough to feel live. */
const DEBOUNCE_MS = 100;

/**
 * The "Feature Maps" view beside the editor: follows the active editor. A config shows its
 * images through its model and re-runs as the user types; an image tab shows that image; anything
 * else gets a hint.
 */
export class SideView implements vscode.WebviewViewProvider, vscode.Disposable {
  private controller?: ViewController;
  private followed?: string;
  private timer?: NodeJS.Timeout;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
  ) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor(() => this.follow()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.follow()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // A save fires this too, with no change to the text: nothing to re-run.
        if (e.contentChanges.length > 0 && e.document.uri.toString() === this.followed) this.schedule(() => this.show(configDocumentSource(e.document)));
      }),
    ];
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, "Feature Maps", SIDE_VIEW_ID);
    this.controller?.dispose();
    this.controller = new ViewController(view.webview, this.engine);
    view.onDidDispose(() => {
      this.controller?.dispose();
      this.controller = undefined;
      this.followed = undefined;
    });
    this.followed = undefined;
    this.follow();
  }

  /** The view's controller, once the view has been shown. */
  get view(): ViewController | undefined {
    return this.controller;
  }

  private follow(): void {
    if (!this.controller) return;
    const editor = vscode.window.activeTextEditor;
    if (editor && isConfigDocument(editor.document)) {
      const key = editor.document.uri.toString();
      if (key === this.followed) return;
      this.followed = key;
      this.show(configDocumentSource(editor.document));
      return;
    }
    const image = activeTabImage();
    if (image) {
      if (image.toString() === this.followed) return;
      this.followed = image.toString();
      this.show(imageSource(image));
      return;
    }
    // Focus moving to a panel or the terminal keeps what is shown.
    if (editor === undefined && this.followed !== undefined) return;
    this.followed = undefined;
    this.controller.showHint("Open an image or a *.featuremaps.json model config to see what each layer of the CNN sees.", {
      label: "Open Example Config",
      command: "featureMaps.openExampleConfig",
    });
  }

  private show(source: ViewSource): void {
    clearTimeout(this.timer);
    this.controller?.setSource(source);
  }

  private schedule(run: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(run, DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.controller?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
