import type { ClassScore } from "../../src/shared/explain";
import { el } from "../common/dom";
import { formatPercent } from "../common/format";

/** The model's five best classes with their probabilities; the one explained is pressed. */
export class ClassPicker {
  readonly element = el("div", { class: "explain-classes", attrs: { role: "group", "aria-label": "Class to explain" } });

  constructor(private readonly pick: (index: number) => void) {}

  show(top: readonly ClassScore[], selected: number | undefined): void {
    this.element.replaceChildren(
      el("span", { class: "dim", text: top.length > 0 ? "Class" : "" }),
      ...top.map((c, rank) => {
        const name = c.name ? ` ${c.name}` : "";
        const pressed = selected === undefined ? rank === 0 : c.index === selected;
        // Through CSSOM: the webview's CSP refuses style attributes.
        const bar = el("span", { class: "explain-chip-bar", attrs: { "aria-hidden": "true" } });
        bar.style.width = `${Math.round(c.probability * 100)}%`;
        const b = el(
          "button",
          { class: "explain-chip", title: `Class ${c.index}${name}: score ${c.score}, probability ${formatPercent(c.probability)}`, attrs: { type: "button", "aria-pressed": String(pressed) } },
          el("span", { text: `${c.index}${name}` }),
          el("span", { class: "explain-chip-share", text: formatPercent(c.probability) }),
          bar,
        );
        b.addEventListener("click", () => this.pick(c.index));
        return b;
      }),
    );
  }
}
