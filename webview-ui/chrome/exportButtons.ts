import "./exportButtons.css";
import type { ExportKind } from "../../src/shared/protocol";
import { el, textButton } from "../common/dom";
import type { Requests } from "../requests";

const NOTICE_MS = 8000;

/** Save the grid as painted (PNG) or the layer's raw tensor (.npy); the host shows the save dialog. */
export class ExportButtons {
  readonly element: HTMLElement;
  private readonly notice = el("span", { class: "export-notice", attrs: { "aria-live": "polite" } });
  private readonly buttons: HTMLElementTagNameMap["vscode-button"][];
  private layer: string | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly requests: Requests) {
    this.buttons = [
      textButton("Save PNG", "file-media", () => this.save("png"), { secondary: true, title: "Save the grid as shown, at its pixel size" }),
      textButton("Save .npy", "save", () => this.save("npy"), { secondary: true, title: "Save the layer's raw activation tensor for NumPy" }),
    ];
    this.element = el("div", { class: "export" }, ...this.buttons, this.notice);
    this.setLayer(undefined);
  }

  setLayer(layer: string | undefined): void {
    this.layer = layer;
    for (const b of this.buttons) b.disabled = layer === undefined;
  }

  private async save(kind: ExportKind): Promise<void> {
    if (!this.layer) return;
    try {
      const reply = await this.requests.exportLayer(kind, this.layer);
      if (reply?.path) this.say(`Saved to ${reply.path}`, reply.path);
    } catch (error) {
      this.say(`Could not save: ${(error as Error).message}`);
    }
  }

  private say(text: string, title = text): void {
    clearTimeout(this.noticeTimer);
    this.notice.textContent = text;
    this.notice.title = title;
    this.noticeTimer = setTimeout(() => (this.notice.textContent = ""), NOTICE_MS);
  }
}
