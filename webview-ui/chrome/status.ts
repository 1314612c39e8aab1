import "./status.css";
import { codicon, el, iconButton, textButton } from "../common/dom";

export interface StatusActions {
  retry(): void;
  openSettings(): void;
  hintAction(): void;
}

/** Progress, failure and hints from the host, above the result. */
export class StatusArea {
  readonly element: HTMLElement;
  private readonly busyLine = el("div", { class: "status-busy", attrs: { role: "status" } });
  private readonly failure = el("div", { class: "status-box status-error", attrs: { role: "alert" } });
  private readonly hintBox = el("div", { class: "status-box status-hint", attrs: { role: "status" } });

  constructor(private readonly actions: StatusActions) {
    this.element = el("div", { class: "status" }, this.busyLine, this.failure, this.hintBox);
    this.busy(undefined);
    this.failed(undefined);
    this.hintBox.hidden = true;
  }

  busy(message: string | undefined): void {
    this.busyLine.hidden = message === undefined;
    this.busyLine.replaceChildren(
      ...(message === undefined ? [] : [el("vscode-progress-bar", { attrs: { indeterminate: "" } }), el("span", { class: "status-busy-text", text: message })]),
    );
  }

  failed(failure: { message: string; hint?: string } | undefined): void {
    this.failure.hidden = !failure;
    if (!failure) return this.failure.replaceChildren();
    this.failure.replaceChildren(
      codicon("error", "status-icon"),
      el(
        "div",
        { class: "status-body" },
        el("div", { class: "status-message", text: failure.message }),
        failure.hint ? el("div", { class: "status-detail", text: failure.hint }) : undefined,
        el(
          "div",
          { class: "status-actions" },
          textButton("Retry", "refresh", () => this.actions.retry()),
          textButton("Open Settings", "settings-gear", () => this.actions.openSettings(), { secondary: true }),
        ),
      ),
    );
  }

  hint(message: string, actionLabel: string | undefined): void {
    const dismiss = iconButton("close", "Dismiss", () => (this.hintBox.hidden = true));
    this.hintBox.hidden = false;
    this.hintBox.replaceChildren(
      codicon("info", "status-icon"),
      el(
        "div",
        { class: "status-body" },
        el("span", { class: "status-message", text: message }),
        actionLabel ? el("div", { class: "status-actions" }, textButton(actionLabel, "go-to-file", () => this.actions.hintAction())) : undefined,
      ),
      dismiss,
    );
  }
}
