import "./layerList.css";
import { findLayer } from "../../src/shared/layerIds";
import type { LayerInfo, LayerKind } from "../../src/shared/protocol";
import { codicon, el } from "../common/dom";
import { formatShape } from "../common/format";
import { isNarrow } from "../layout";
import { ancestorsOf, isTree, rowLabel, type TreeRow, treeKey, treeRows, visibleRows } from "./layerTree";

export interface LayerListEvents {
  select(id: string): void;
  filter(text: string): void;
  /** The modules the user has collapsed, to keep in the view's state. */
  collapsed(ids: readonly string[]): void;
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
 * Every layer of the model, pinned ones first, as a listbox, or for an exported PyTorch model as
 * its module tree: arrows, Home/End and Page keys select (and so load) a layer, Left and Right
 * collapse and expand modules, like the Explorer. In the narrow layout it folds into a select-like button.
 */
export class LayerList {
  readonly element: HTMLElement;
  private readonly summary = el("button", { class: "layers-summary", attrs: { type: "button", "aria-expanded": "false" } });
  private readonly filterField = el("vscode-textfield", { class: "layers-filter", attrs: { placeholder: "Filter layers (name or op)", type: "search" } });
  private readonly list = el("div", { class: "layers-list", attrs: { role: "listbox", tabindex: "0", "aria-label": "Layers" } });
  private readonly empty = el("div", { class: "layers-empty dim", text: "No layer matches the filter." });
  private layers: readonly LayerInfo[] = [];
  /** Pinned layers as top-level rows, then the model's rows. */
  private rows: readonly TreeRow[] = [];
  private readonly options = new Map<string, HTMLElement>();
  /** The rows shown under the current filter and collapsed modules, in display order. */
  private visible: TreeRow[] = [];
  private readonly collapsed: Set<string>;
  private selected: string | undefined;
  private typed = "";
  private typedAt = 0;

  constructor(
    private readonly events: LayerListEvents,
    collapsed: readonly string[] = [],
  ) {
    this.collapsed = new Set(collapsed);
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
    // Pinned layers in the configuration's order (the user listed them that way), named by id or tensor.
    const pinnedLayers = [...new Set(pinned.flatMap((id) => findLayer(layers, id) ?? []))];
    const pins = new Set(pinnedLayers);
    const tree = treeRows(layers.filter((l) => !pins.has(l)));
    const nested = isTree(tree);
    this.rows = [...pinnedLayers.map((layer) => ({ layer, depth: 0, hasChildren: false })), ...tree];
    this.layers = this.rows.map((r) => r.layer);
    this.options.clear();
    this.list.setAttribute("role", nested ? "tree" : "listbox");
    const section = (title: string, members: readonly TreeRow[], id: string): HTMLElement[] =>
      members.length === 0
        ? []
        : [
            el(
              "div",
              { class: "layers-group", attrs: { role: "group", "aria-labelledby": id } },
              el("div", { class: "layers-heading", text: title, attrs: { id, role: "presentation" } }),
              ...members.map((r) => this.option(r, nested)),
            ),
          ];
    const pinnedRows = this.rows.slice(0, pinnedLayers.length);
    this.list.replaceChildren(...section("Pinned", pinnedRows, "layers-pinned"), ...section(pinnedLayers.length ? "Other layers" : "Layers", tree, "layers-rest"));
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
    const layer = this.layers.find((l) => l.id === id);
    if (layer && !this.filterField.value.trim()) this.reveal(id);
    const option = this.options.get(id);
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

  private option(row: TreeRow, nested: boolean): HTMLElement {
    const { layer } = row;
    const twisty = row.hasChildren ? codicon("chevron-down", "layer-twisty") : el("span", { class: "layer-twisty" });
    const option = el(
      "div",
      {
        class: "layer",
        title: `${layer.id}\n${layer.op} ${formatShape(layer.shape)}`,
        attrs: { role: nested ? "treeitem" : "option", id: `layer-option-${this.options.size}`, "aria-selected": "false" },
      },
      ...(nested ? [twisty] : []),
      codicon(KIND_ICONS[layer.kind], `kind kind-${layer.kind}`),
      el("span", { class: "layer-name", text: rowLabel(row) }),
      el("span", { class: "layer-op", text: layer.op }),
      el("span", { class: "layer-shape", text: formatShape(layer.shape) }),
    );
    if (nested) {
      option.classList.add("layer-tree-row");
      option.style.setProperty("--depth", String(row.depth));
      option.setAttribute("aria-level", String(row.depth + 1));
    }
    option.addEventListener("click", (e) => {
      // The twisty only folds, as in VS Code's trees; the row itself selects.
      if (row.hasChildren && e.target instanceof Element && e.target.closest(".layer-twisty")) this.toggle(layer.id, !this.collapsed.has(layer.id));
      else this.choose(layer.id);
    });
    this.options.set(layer.id, option);
    return option;
  }

  private applyFilter(): void {
    const filter = this.filterField.value;
    this.visible = visibleRows(this.rows, this.collapsed, filter.trim() === "" ? undefined : (l) => matches(l, filter));
    const shown = new Set(this.visible.map((r) => r.layer.id));
    for (const r of this.rows) {
      const option = this.options.get(r.layer.id) as HTMLElement;
      option.hidden = !shown.has(r.layer.id);
      if (!r.hasChildren) continue;
      const open = !this.collapsed.has(r.layer.id) || filter.trim() !== "";
      option.setAttribute("aria-expanded", String(open));
      option.querySelector(".layer-twisty")?.classList.toggle("collapsed", !open);
    }
    for (const group of this.list.children) (group as HTMLElement).hidden = !group.querySelector('[role="option"]:not([hidden]), [role="treeitem"]:not([hidden])');
    this.empty.hidden = this.visible.length > 0;
  }

  private toggle(id: string, collapse: boolean): void {
    if (collapse) this.collapsed.add(id);
    else this.collapsed.delete(id);
    this.applyFilter();
    this.events.collapsed([...this.collapsed]);
  }

  /** Expands the modules above a layer selected from elsewhere, so it shows. */
  private reveal(id: string): void {
    const hidden = ancestorsOf(this.rows, id).filter((a) => this.collapsed.has(a));
    if (hidden.length === 0) return;
    for (const a of hidden) this.collapsed.delete(a);
    this.applyFilter();
    this.events.collapsed([...this.collapsed]);
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
    // Alt+Left/Right are the panel's previous/next image: they move nothing here.
    if (e.altKey) return;
    const at = this.visible.findIndex((r) => r.layer.id === this.selected);
    const page = Math.max(1, Math.floor(this.list.clientHeight / 24));
    let move = treeKey(e.key, this.visible, at, this.filterField.value.trim() === "" ? this.collapsed : new Set(), page);
    if (move === undefined && e.key === "Escape" && isNarrow()) {
      this.expand(false);
      this.summary.focus();
    } else if (move === undefined && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const next = this.typeAhead(e.key, at);
      move = next === undefined ? undefined : { select: next };
    }
    if (move === undefined || this.visible.length === 0) return;
    e.preventDefault();
    if ("expand" in move) return this.toggle(move.expand, false);
    if ("collapse" in move) return this.toggle(move.collapse, true);
    const layer = this.visible[move.select].layer;
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
      if (rowLabel(this.visible[i]).toLowerCase().startsWith(this.typed)) return i;
    }
    return undefined;
  }
}
