import { COMPARE_RANGES, type CompareExportKind, type CompareRange } from "../../src/shared/choices";
import type { LayerInfo } from "../../src/shared/protocol";
import { el, textButton } from "../common/dom";

export interface ControlEvents {
  layer(id: string): void;
  range(range: CompareRange): void;
  more(): void;
  exportAs(kind: CompareExportKind): void;
}

const RANGE_LABELS: Readonly<Record<CompareRange, string>> = { channel: "per channel (A and B share it)", layer: "per layer (A and B share it)" };

function select<T extends string>(label: string, options: readonly { readonly value: T; readonly text: string }[], onChange: (value: T) => void): { readonly element: HTMLElement; readonly input: HTMLSelectElement } {
  const input = el("select", { attrs: { "aria-label": label } });
  input.append(...options.map((o) => el("option", { text: o.text, attrs: { value: o.value } })));
  input.addEventListener("change", () => onChange(input.value as T));
  return { element: el("label", { class: "compare-control" }, el("span", { text: label }), input), input };
}

/** Layer, range mode, more channels, exports. */
export class CompareControls {
  readonly element = el("div", { class: "compare-controls" });
  private layerSelect?: HTMLSelectElement;
  private readonly rangeSelect: HTMLSelectElement;
  private readonly layerSlot = el("span");

  constructor(private readonly events: ControlEvents) {
    const range = select<CompareRange>("Range", COMPARE_RANGES.map((value) => ({ value, text: RANGE_LABELS[value] })), (v) => events.range(v));
    this.rangeSelect = range.input;
    this.element.append(
      this.layerSlot,
      range.element,
      textButton("More channels", "add", () => events.more(), { secondary: true }),
      textButton("PNG", "file-media", () => events.exportAs("png"), { secondary: true, title: "Save what is shown as PNG" }),
      textButton(".npz", "save", () => events.exportAs("npz"), { secondary: true, title: "Save A, B and A − B of the layer as .npz" }),
    );
  }

  setLayers(layers: readonly LayerInfo[]): void {
    const layer = select(
      "Layer",
      layers.map((l) => ({ value: l.id, text: `${l.name} (${l.shape.slice(1).join("×")})` })),
      (v) => this.events.layer(v),
    );
    this.layerSelect = layer.input;
    this.layerSlot.replaceChildren(layer.element);
  }

  show(layer: string, range: CompareRange): void {
    if (this.layerSelect) this.layerSelect.value = layer;
    this.rangeSelect.value = range;
  }
}
