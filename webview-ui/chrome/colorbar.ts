import "./colorbar.css";
import { NON_FINITE_RGB } from "../../src/shared/colormaps";
import type { NonFiniteCounts } from "../../src/shared/nonFinite";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { paintScaled } from "../common/paint";
import { nonFiniteEntries, nonFiniteText } from "../common/statsText";

export interface ColorbarSpec {
  readonly lut: Uint8Array;
  /** The real values at byte 0 and at the top of byte 255. */
  readonly low: number;
  readonly high: number;
  /** Whose range this is: "layer range", "channel 12"... */
  readonly caption: string;
  /** The NaN and infinities of what the colours describe: they are not on the scale, so a legend lists them. */
  readonly nonFinite?: NonFiniteCounts;
}

const RAMP = Uint8Array.from({ length: 256 }, (_, i) => i);

/**
 * A horizontal colour scale with its real end values, 0 marked when the range crosses it, and
 * below it the fixed colours of the non-finite values present, with their counts.
 */
export class Colorbar {
  readonly element: HTMLElement;
  private readonly caption = el("span", { class: "colorbar-caption" });
  private readonly low = el("span", { class: "colorbar-value" });
  private readonly high = el("span", { class: "colorbar-value" });
  private readonly zero = el("span", { class: "colorbar-zero", text: "0", attrs: { "aria-hidden": "true" } });
  private readonly canvas = el("canvas", { class: "colorbar-ramp", attrs: { "aria-hidden": "true" } });
  private readonly legend = el("span", { class: "colorbar-legend" });
  private paintedLut: Uint8Array | undefined;

  constructor() {
    this.canvas.width = RAMP.length;
    this.canvas.height = 1;
    this.element = el(
      "div",
      { class: "colorbar", attrs: { role: "img" } },
      this.caption,
      this.low,
      el("span", { class: "colorbar-bar" }, this.canvas, this.zero),
      this.high,
      this.legend,
    );
    this.element.hidden = true;
  }

  show(spec: ColorbarSpec | undefined): void {
    this.element.hidden = !spec;
    if (!spec) return;
    if (spec.lut !== this.paintedLut) {
      const image = new ImageData(RAMP.length, 1);
      paintScaled(RAMP, { width: RAMP.length, height: 1 }, spec.lut, image, 0, 0, { width: RAMP.length, height: 1 });
      this.canvas.getContext("2d")?.putImageData(image, 0, 0);
      this.paintedLut = spec.lut;
    }
    const low = formatValue(spec.low);
    const high = formatValue(spec.high);
    this.caption.textContent = spec.caption;
    this.low.textContent = low;
    this.high.textContent = high;
    const crossesZero = spec.low < 0 && spec.high > 0;
    this.zero.hidden = !crossesZero;
    if (crossesZero) this.zero.style.left = `${(-spec.low / (spec.high - spec.low)) * 100}%`;
    this.showLegend(spec.nonFinite);
    const others = nonFiniteText(spec.nonFinite);
    this.element.setAttribute("aria-label", `${spec.caption}: colours from ${low} to ${high}${others ? `; besides, ${others}` : ""}`);
  }

  private showLegend(counts: NonFiniteCounts | undefined): void {
    const entries = nonFiniteEntries(counts);
    this.legend.hidden = entries.length === 0;
    this.legend.replaceChildren(
      ...entries.map((e) => {
        const swatch = el("span", { class: "colorbar-swatch" });
        swatch.style.backgroundColor = `rgb(${NON_FINITE_RGB[e.kind].join(", ")})`;
        return el("span", { class: "colorbar-legend-entry", title: `${e.count} ${e.label} values, painted in this colour` }, swatch, `${e.label} ${e.count}`);
      }),
    );
  }
}
