import "./layerList.css";
import type { LayerInfo, LayerKind } from "../../src/shared/protocol";
import { codicon, el } from "../common/dom";
import { formatShape } from "../common/format";
import { isNarrow } from "../layout";

export interface LayerListEvents {
  select(id: string): void;
  filter(text: string): void;
}

const KIND_ICONS: Record<LayerKind, string> = {
  conv: "layers",
  activation: "pulse",
  pool: "fold-down",
  norm: "graph-line",
  dropout: "circle-slash",
  linear: "symbol-namespace",
  output: "output",
  other: "symbol-misc",
};

/** Typed letters within this long of each other form one type-ahead prefix. */
const TYPE_AHEAD_MS = 700;

function matches(layer: LayerInfo, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return f === "" || [layer.id, layer.name, layer.op].some((s) => s.toLowerCase().includes(f));
}

/**
 * Every layer of the model, pinned ones first, as a listbox: arrows, Home/End and Page keys
 * select (and so load) a layer, like the Explorer. In the narrow layout it folds into a select-like button.
 */
export class LayerList {
  readonly element: HTMLElement;
  private readonly summary = el("button", { class: "layers-summary", attrs: { type: "button", "aria-expanded": "false" } });
  private readonly filterField = el("vscode-textfield", { class: "layers-filter", attrs: { placeholder: "Filter layers (name or op)", type: "search" } });
  private readonly list = el("div", { class: "layers-list", attrs: { role: "listbox", tabindex: "0", "aria-label": "Layers" } });
  private readonly empty = el("div", { class: "layers-empty dim", text: "No layer matches the filter." });
  private layers: readonly LayerInfo[] = [];
  private readonly options = new Map<string, HTMLElement>();
  /** The options shown under the current filter, in display order. */
  private visible: LayerInfo[] = [];
  private selected: string | undefined;
  private typed = "";
  private typedAt = 0;

  constructor(private readonly events: LayerListEvents) {
    const icon = codicon("filter");
    icon.slot = "content-before";
    this.filterField.append(icon);
    this.element = el(
      "nav",
      { class: "layers", attrs: { "aria-label": "Layers" } },
      this.summary,
      el("div", { class: "layers-body" }, this.filterField, this.list, this.empty),
    );
    this.summary.addEventListener("click", () => this.expand(this.summary.getAttribute("aria-expanded") !== "true"));
    this.summary.addEventListener("keydown", (e) => this.onKey(e));
    this.list.addEventListener("keydown", (e) => this.onKey(e));
    this.filterField.addEventListener("input", () => {
      this.applyFilter();
      this.events.filter(this.filterField.value);
    });
    this.filterField.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        this.list.focus();
      }
    });
  }

  setLayers(layers: readonly LayerInfo[], pinned: readonly string[], filter: string): void {
    const pins = new Set(pinned);
    // Pinned layers in the configuration's order: the user listed them that way.
    const pinnedLayers = [...pins].flatMap((id) => layers.find((l) => l.id === id) ?? []);
    const rest = layers.filter((l) => !pins.has(l.id));
    this.layers = [...pinnedLayers, ...rest];
    this.options.clear();
    const section = (title: string, members: readonly LayerInfo[], id: string): HTMLElement[] =>
      members.length === 0
        ? []
        : [
            el(
              "div",
              { class: "layers-group", attrs: { role: "group", "aria-labelledby": id } },
              el("div", { class: "layers-heading", text: title, attrs: { id, role: "presentation" } }),
              ...members.map((l) => this.option(l)),
            ),
          ];
    this.list.replaceChildren(...section("Pinned", pinnedLayers, "layers-pinned"), ...section(pinnedLayers.length ? "Other layers" : "Layers", rest, "layers-rest"));
    this.filterField.value = filter;
    this.applyFilter();
    if (this.selected) this.select(this.selected);
  }

  /** Every layer in list order, pinned first. */
  get order(): readonly LayerInfo[] {
    return this.layers;
  }

  /** Shows a selection made elsewhere (restored state, the host's selectLayer); does not fire select. */
  select(id: string): void {
    this.options.get(this.selected ?? "")?.setAttribute("aria-selected", "false");
    this.selected = id;
    const option = this.options.get(id);
    const layer = this.layers.find((l) => l.id === id);
    if (!option || !layer) return;
    option.setAttribute("aria-selected", "true");
    this.list.setAttribute("aria-activedescendant", option.id);
    // Scrolling now would force a layout of the whole view before the grid has asked for its
    // tiles; with the next frame the layout is due anyway.
    requestAnimationFrame(() => option.scrollIntoView({ block: "nearest" }));
    this.summary.replaceChildren(
      codicon(KIND_ICONS[layer.kind], `kind kind-${layer.kind}`),
      el("span", { class: "layer-name", text: layer.name }),
      el("span", { class: "layer-op", text: layer.op }),
      codicon("chevron-down", "layers-chevron"),
    );
    this.summary.setAttribute("aria-label", `Layer ${layer.name}, ${layer.op}`);
  }

  private option(layer: LayerInfo): HTMLElement {
    const option = el(
      "div",
      {
        class: "layer",
        title: `${layer.id}\n${layer.op} ${formatShape(layer.shape)}`,
        attrs: { role: "option", id: `layer-option-${this.options.size}`, "aria-selected": "false" },
      },
      codicon(KIND_ICONS[layer.kind], `kind kind-${layer.kind}`),
      el("span", { class: "layer-name", text: layer.name }),
      el("span", { class: "layer-op", text: layer.op }),
      el("span", { class: "layer-shape", text: formatShape(layer.shape) }),
    );
    option.addEventListener("click", () => this.choose(layer.id));
    this.options.set(layer.id, option);
    return option;
  }

  private applyFilter(): void {
    const filter = this.filterField.value;
    this.visible = this.layers.filter((l) => matches(l, filter));
    const shown = new Set(this.visible);
    for (const l of this.layers) (this.options.get(l.id) as HTMLElement).hidden = !shown.has(l);
    for (const group of this.list.children) (group as HTMLElement).hidden = !group.querySelector('[role="option"]:not([hidden])');
    this.empty.hidden = this.visible.length > 0;
  }

  private choose(id: string): void {
    if (isNarrow()) this.expand(false);
    if (id === this.selected) return;
    this.select(id);
    this.events.select(id);
  }

  private expand(open: boolean): void {
    this.summary.setAttribute("aria-expanded", String(open));
    this.element.classList.toggle("expanded", open);
    if (!open) return;
    this.list.focus();
    this.options.get(this.selected ?? "")?.scrollIntoView({ block: "nearest" });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target === this.summary && (e.key === "Enter" || e.key === " ")) return; // the button's own click opens it
    if (e.target === this.summary && e.altKey && e.key === "ArrowDown") {
      e.preventDefault();
      this.expand(true);
      return;
    }
    const at = this.visible.findIndex((l) => l.id === this.selected);
    const page = Math.max(1, Math.floor(this.list.clientHeight / 24));
    const target: Record<string, number> = {
      ArrowUp: at - 1,
      ArrowDown: at + 1,
      PageUp: at - page,
      PageDown: at + page,
      Home: 0,
      End: this.visible.length - 1,
    };
    let next: number | undefined = target[e.key];
    if (next === undefined && e.key === "Escape" && isNarrow()) {
      this.expand(false);
      this.summary.focus();
    } else if (next === undefined && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      next = this.typeAhead(e.key, at);
    }
    if (next === undefined || this.visible.length === 0) return;
    e.preventDefault();
    const layer = this.visible[Math.max(0, Math.min(this.visible.length - 1, next))];
    if (layer.id !== this.selected) {
      this.select(layer.id);
      this.events.select(layer.id);
    }
  }

  /** The next layer whose name starts with what was typed, searching on from the current one. */
  private typeAhead(key: string, at: number): number | undefined {
    const now = performance.now();
    this.typed = now - this.typedAt < TYPE_AHEAD_MS ? this.typed + key.toLowerCase() : key.toLowerCase();
    this.typedAt = now;
    const n = this.visible.length;
    // A repeated single letter cycles; a longer prefix may still match the current layer.
    const from = this.typed.length === 1 ? at + 1 : Math.max(0, at);
    for (let k = 0; k < n; k++) {
      const i = (from + k) % n;
      if (this.visible[i].name.toLowerCase().startsWith(this.typed)) return i;
    }
    return undefined;
  }
}
