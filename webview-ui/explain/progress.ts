import { el, textButton } from "../common/dom";

/** A run's progress, counted in `unit` (Score-CAM's masked channels, occlusion's windows), else indeterminate; with a cancel. */
export class RunProgress {
  readonly element: HTMLElement;
  private readonly bar = el("vscode-progress-bar", { class: "explain-progress-bar" });
  private readonly text = el("span", { class: "dim" });

  constructor(
    private readonly unit: string,
    cancel: () => void,
  ) {
    this.element = el("div", { class: "explain-progress" }, this.bar, el("div", { class: "explain-progress-line" }, this.text, textButton("Cancel", "close", cancel, { secondary: true })));
    this.element.hidden = true;
  }

  show(running: { readonly done?: number; readonly total?: number } | undefined): void {
    this.element.hidden = running === undefined;
    if (!running) return;
    const { done, total } = running;
    const known = done !== undefined && total !== undefined && total > 0;
    this.bar.indeterminate = !known;
    if (known) {
      this.bar.max = total;
      this.bar.value = done;
    }
    this.text.textContent = known ? `${done} of ${total} ${this.unit}` : "Running…";
  }
}
