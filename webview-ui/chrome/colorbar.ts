import "./colorbar.css";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { paintScaled } from "../common/paint";

export interface ColorbarSpec {
  readonly lut: Uint8Array;
  /** The real values at byte 0 and at the top of byte 255. */
  readonly low: number;
  readonly high: number;
  /** Whose range this is: "layer range", "channel 12"... */
  readonly caption: string;
}

const RAMP = Uint8Array.from({ length: 256 }, (_, i) => i);

/** A horizontal colour scale with its real end values, and 0 marked when the range crosses it. */
export class Colorbar {
  readonly element: HTMLElement;
  private readonly caption = el("span", { class: "colorbar-caption" });
  private readonly low = el("span", { class: "colorbar-value" });
  private readonly high = el("span", { class: "colorbar-value" });
  private readonly zero = el("span", { class: "colorbar-zero", text: "0", attrs: { "aria-hidden": "true" } });
  private readonly canvas = el("canvas", { class: "colorbar-ramp", attrs: { "aria-hidden": "true" } });
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
    this.element.setAttribute("aria-label", `${spec.caption}: colours from ${low} to ${high}`);
  }
}
