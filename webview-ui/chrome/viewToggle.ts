import "./viewToggle.css";
import type { PanelView } from "../../src/shared/choices";
import { codicon, el } from "../common/dom";

const VIEWS: readonly (readonly [PanelView, string, string, string])[] = [
  ["grid", "Feature maps", "layers", "Each layer's activation maps"],
  ["explain", "Explain", "lightbulb", "Why the model predicts a class: Grad-CAM and other class maps over the image"],
];

/** Switches the panel between the feature-map grid and the Explain view. */
export class ViewToggle {
  readonly element: HTMLElement;
  private readonly buttons = new Map<PanelView, HTMLButtonElement>();

  constructor(select: (view: PanelView) => void) {
    this.element = el(
      "div",
      { class: "view-toggle", attrs: { role: "group", "aria-label": "View" } },
      ...VIEWS.map(([view, label, icon, title]) => {
        const b = el("button", { class: "view-toggle-button", title, attrs: { type: "button", "data-view": view } }, codicon(icon), el("span", { text: label }));
        b.addEventListener("click", () => select(view));
        this.buttons.set(view, b);
        return b;
      }),
    );
  }

  show(view: PanelView): void {
    for (const [v, b] of this.buttons) b.setAttribute("aria-pressed", String(v === view));
  }
}
