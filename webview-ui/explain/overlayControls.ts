import { OVERLAY_COLORMAPS, type OverlayColormap } from "../../src/shared/choices";
import type { LayerInfo } from "../../src/shared/protocol";
import { labelledSelect, type Select } from "../chrome/controls";
import { el } from "../common/dom";
import { defaultLayer, explainableLayers, type ExplainSettings } from "./settings";

export type OverlayChange = Partial<Pick<ExplainSettings, "opacity" | "colormap">> | { readonly layer: string | undefined };

let nextId = 0;

/** The layer the map is made from, and how the overlay looks (no new run for the latter). */
export class OverlayControls {
  readonly element: HTMLElement;
  private readonly layerSlot = el("div", { class: "explain-layer-slot" });
  private layer: Select<string | undefined> | undefined;
  private layersKey = "";
  private readonly colormap: Select<OverlayColormap>;
  private readonly opacity: HTMLInputElement;
  private readonly opacityText = el("span", { class: "dim explain-opacity-value" });

  constructor(private readonly change: (change: OverlayChange) => void) {
    this.colormap = labelledSelect(
      "Colours",
      "The overlay's colormap (pytorch-grad-cam paints jet)",
      OVERLAY_COLORMAPS.map((c) => [c, c] as const),
      (colormap) => change({ colormap }),
    );
    const id = `explain-opacity-${nextId++}`;
    this.opacity = el("input", { class: "explain-opacity", attrs: { id, type: "range", min: "0", max: "1", step: "0.05" } });
    this.opacity.addEventListener("input", () => change({ opacity: Number(this.opacity.value) }));
    this.element = el(
      "div",
      { class: "controls explain-controls" },
      this.layerSlot,
      el("div", { class: "control control-opacity" }, el("vscode-label", { text: "Opacity", attrs: { for: id } }), el("div", { class: "explain-opacity-row" }, this.opacity, this.opacityText)),
      this.colormap.element,
    );
  }

  show(layers: readonly LayerInfo[], settings: ExplainSettings): void {
    const key = layers.map((l) => l.id).join("\u0000");
    if (key !== this.layersKey) {
      this.layersKey = key;
      const fallback = defaultLayer(layers);
      const choices = explainableLayers(layers).map((l) => [l.id === fallback?.id ? undefined : l.id, l.id === fallback?.id ? `${l.name} (default)` : l.name] as const);
      this.layer = labelledSelect("Layer", "The layer whose activations are weighted; occlusion works on the input", choices, (layer) => this.change({ layer }));
      this.layerSlot.replaceChildren(this.layer.element);
    }
    this.layer?.set(settings.layer === defaultLayer(layers)?.id ? undefined : settings.layer);
    this.colormap.set(settings.colormap);
    if (Number(this.opacity.value) !== settings.opacity) this.opacity.value = String(settings.opacity);
    this.opacityText.textContent = settings.opacity.toFixed(2);
  }
}
