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
        const b = el(
          "button",
          { class: "explain-chip", title: `Class ${c.index}${name}: score ${c.score}, probability ${formatPercent(c.probability)}`, attrs: { type: "button", "aria-pressed": String(pressed) } },
          el("span", { text: `${c.index}${name}` }),
          el("span", { class: "explain-chip-share", text: formatPercent(c.probability) }),
          el("span", { class: "explain-chip-bar", attrs: { style: `width: ${Math.round(c.probability * 100)}%`, "aria-hidden": "true" } }),
        );
        b.addEventListener("click", () => this.pick(c.index));
        return b;
      }),
    );
  }
}
