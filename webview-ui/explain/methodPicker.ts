import { EXPLAIN_METHODS, type ExplainMethod } from "../../src/shared/choices";
import { labelledSelect, type Select } from "../chrome/controls";
import { el } from "../common/dom";
import { METHOD_LABELS } from "./settings";

const HINTS: Readonly<Record<ExplainMethod, string>> = {
  gradcam: "Channels weighted by the mean gradient of the class score",
  hirescam: "Activations times gradients, element by element",
  "gradcam++": "Grad-CAM with second-order weights",
  eigencam: "The first principal component of the activations; needs no class",
  scorecam: "Channels weighted by the score of the image masked with each: one run per batch of channels",
  occlusion: "The score drop when a window of the input is blanked: one run per batch of windows",
};

/** The method to show, and chips that add others beside it for the same class. */
export class MethodPicker {
  readonly element: HTMLElement;
  private readonly primary: Select<ExplainMethod>;
  private readonly chips = new Map<ExplainMethod, HTMLButtonElement>();
  private methods: readonly ExplainMethod[] = [];

  constructor(private readonly change: (methods: readonly ExplainMethod[]) => void) {
    this.primary = labelledSelect(
      "Method",
      "How the map is made",
      EXPLAIN_METHODS.map((m) => [m, METHOD_LABELS[m]] as const),
      (method) => this.change([method, ...this.methods.slice(1).filter((m) => m !== method)]),
    );
    const chips = EXPLAIN_METHODS.map((m) => {
      const b = el("button", { class: "explain-chip", text: METHOD_LABELS[m], title: `Compare: ${HINTS[m]}`, attrs: { type: "button", "data-method": m } });
      b.addEventListener("click", () => this.toggle(m));
      this.chips.set(m, b);
      return b;
    });
    this.element = el(
      "div",
      { class: "explain-methods" },
      this.primary.element,
      el("div", { class: "explain-compare", attrs: { role: "group", "aria-label": "Compare with" } }, el("span", { class: "dim", text: "Compare" }), ...chips),
    );
  }

  show(methods: readonly ExplainMethod[]): void {
    this.methods = methods;
    this.primary.set(methods[0]);
    for (const [m, chip] of this.chips) {
      chip.hidden = m === methods[0];
      chip.setAttribute("aria-pressed", String(methods.includes(m)));
    }
  }

  private toggle(method: ExplainMethod): void {
    const on = this.methods.includes(method);
    this.change(on ? this.methods.filter((m) => m !== method) : [...this.methods, method]);
  }
}
