import "./controls.css";
import { COLORMAP_NAMES, type ColormapName, DIVERGING_COLORMAP } from "../../src/shared/colormaps";
import { NORMALIZE_MODES, type NormalizeMode } from "../../src/shared/normalize";
import type { ChannelOrder, GridView } from "../../src/shared/protocol";
import { el } from "../common/dom";
import { CHANNEL_ORDERS, CLIP_PERCENTS, TILE_SIZES } from "../../src/shared/choices";

export interface DisplaySettings {
  readonly view: GridView;
  readonly order: ChannelOrder;
  readonly normalize: NormalizeMode;
  readonly clipPercent: number;
  readonly colormap: ColormapName;
  readonly tileSize: number;
}

export type Choice<T> = readonly [value: T, label: string];

const VIEWS: readonly Choice<GridView>[] = [
  ["notebook", "4×4 (notebook)"],
  ["all", "All channels"],
];
const ORDER_LABELS: Record<ChannelOrder, string> = { index: "Index", mean: "Mean, high first", max: "Max, high first" };
const NORMALIZE_LABELS: Record<NormalizeMode, string> = {
  channel: "Per channel",
  layer: "Per layer",
  global: "Global",
  symmetric: "Symmetric ±",
};

export interface Select<T> {
  readonly element: HTMLElement;
  readonly select: HTMLElementTagNameMap["vscode-single-select"];
  set(value: T): void;
}

let nextId = 0;

export function labelledSelect<T>(label: string, hint: string, choices: readonly Choice<T>[], onChange: (value: T) => void): Select<T> {
  const id = `setting-${nextId++}`;
  const name = label.toLowerCase();
  const select = el("vscode-single-select", { title: hint, attrs: { id } }, ...choices.map(([, text]) => el("vscode-option", { text })));
  select.addEventListener("change", () => {
    const choice = choices[select.selectedIndex];
    if (choice) onChange(choice[0]);
  });
  return {
    element: el("div", { class: `control control-${name}` }, el("vscode-label", { text: label, attrs: { for: id } }), select),
    select,
    set(value) {
      const i = choices.findIndex(([v]) => v === value);
      if (i >= 0 && select.selectedIndex !== i) select.selectedIndex = i;
    },
  };
}

/** The display settings above the grid; every change goes straight to onChange. */
export class Controls {
  readonly element: HTMLElement;
  private readonly view: Select<GridView>;
  private readonly order: Select<ChannelOrder>;
  private readonly normalize: Select<NormalizeMode>;
  private readonly clip: Select<number>;
  private readonly colormap: Select<ColormapName>;
  private readonly tileSize: Select<number>;
  private readonly suggestion = el("button", { class: "link-button", attrs: { type: "button" } });

  constructor(onChange: (change: Partial<DisplaySettings>) => void) {
    this.view = labelledSelect("View", "The reference notebook's 4×4 figure (channels 0-3, 10-13, 20-23, 30-33) or every channel", VIEWS, (view) => onChange({ view }));
    this.order = labelledSelect(
      "Order",
      "Order of the channels in the All view: by index, or by mean or max activation, highest first",
      CHANNEL_ORDERS.map((o) => [o, ORDER_LABELS[o]] as const),
      (order) => onChange({ order }),
    );
    this.normalize = labelledSelect(
      "Normalize",
      "Which range maps to the ends of the colormap: each channel's own, the layer's, all layers', or the layer's made symmetric around 0",
      NORMALIZE_MODES.map((m) => [m, NORMALIZE_LABELS[m]] as const),
      (normalize) => onChange({ normalize }),
    );
    this.clip = labelledSelect(
      "Clip",
      "Percentile clipping: 1% maps the 1st..99th percentile to the colormap's ends",
      CLIP_PERCENTS.map((p) => [p, p === 0 ? "None" : `${p}%`] as const),
      (clipPercent) => onChange({ clipPercent }),
    );
    this.colormap = labelledSelect(
      "Colormap",
      "matplotlib's colormaps",
      COLORMAP_NAMES.map((c) => [c, c] as const),
      (colormap) => onChange({ colormap }),
    );
    this.tileSize = labelledSelect(
      "Tile",
      "Tile size; maps are enlarged by whole factors",
      TILE_SIZES.map((t) => [t, `${t} px`] as const),
      (tileSize) => onChange({ tileSize }),
    );
    this.suggestion.textContent = `Try ${DIVERGING_COLORMAP}`;
    this.suggestion.title = `A diverging colormap shows the sign: ${DIVERGING_COLORMAP} puts 0 in the middle`;
    this.suggestion.addEventListener("click", () => onChange({ colormap: DIVERGING_COLORMAP }));
    this.colormap.element.append(this.suggestion);
    this.element = el(
      "div",
      { class: "controls", attrs: { role: "group", "aria-label": "Display settings" } },
      ...[this.view, this.order, this.normalize, this.clip, this.colormap, this.tileSize].map((s) => s.element),
    );
  }

  show(s: DisplaySettings): void {
    this.view.set(s.view);
    this.order.set(s.order);
    this.normalize.set(s.normalize);
    this.clip.set(s.clipPercent);
    this.colormap.set(s.colormap);
    this.tileSize.set(s.tileSize);
    // Order only applies to the All view: the notebook figure is a fixed set of channels.
    this.order.select.disabled = s.view === "notebook";
    this.suggestion.hidden = s.normalize !== "symmetric" || s.colormap === DIVERGING_COLORMAP;
  }
}
