import "./layerInfo.css";
import type { LayerInfo, LayerStats } from "../../src/shared/protocol";
import { el } from "../common/dom";
import { formatShape } from "../common/format";
import { layerStatsText } from "../common/statsText";

/** The line above the grid: the layer shown and its statistics, then the colorbar and the export buttons. */
export class LayerInfoLine {
  readonly element: HTMLElement;
  private readonly title = el("div", { class: "layer-title" });
  private readonly stats = el("div", { class: "layer-stats dim" });

  constructor(colorbar: HTMLElement, exportButtons: HTMLElement) {
    this.element = el("div", { class: "layer-info" }, el("div", { class: "layer-text" }, this.title, this.stats), colorbar, exportButtons);
  }

  showLayer(layer: LayerInfo): void {
    this.title.replaceChildren(
      el("strong", { text: layer.name, title: layer.id }),
      el("span", { class: "dim", text: ` ${layer.op} ${formatShape(layer.shape)}` }),
    );
  }

  showStats(stats: LayerStats | undefined): void {
    this.stats.textContent = stats ? layerStatsText(stats) : "";
  }
}
