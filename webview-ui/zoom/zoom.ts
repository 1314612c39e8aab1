import "./zoom.css";
import { type ColormapName, colormapLut } from "../../src/shared/colormaps";
import { nonFiniteMask, nonFiniteTotal } from "../../src/shared/nonFinite";
import { type Range, toBytes } from "../../src/shared/normalize";
import type { ChannelReply } from "../../src/shared/protocol";
import type { ChannelValues } from "../channelValues";
import { Colorbar } from "../chrome/colorbar";
import { codicon, el, iconButton } from "../common/dom";
import { formatValue } from "../common/format";
import { paintScaled } from "../common/paint";
import { channelStatsText } from "../common/statsText";
import { sourceCoordinate, tilePictureSize } from "../common/tileGeometry";

export interface ZoomContext {
  readonly layer: string;
  readonly layerName: string;
  readonly colormap: ColormapName;
  /** The grid's normalisation for these values; undefined while the layer's shared range is loading. */
  range(values: Float32Array): Range | undefined;
  /** Whose range the colorbar shows: "channel range", "layer range"... */
  readonly rangeCaption: string;
}

export interface ZoomEvents {
  close(): void;
  /** Previous (-1) or next (+1) channel in display order. */
  step(delta: number): void;
}

/** One channel at its true pixels, large, with its statistics and the raw value under the pointer. */
export class ZoomView {
  readonly element: HTMLElement;
  private readonly title = el("h2", { class: "zoom-title" });
  private readonly canvas = el("canvas", { class: "zoom-canvas" });
  private readonly stage = el("div", { class: "zoom-stage" }, this.canvas);
  private readonly stats = el("div", { class: "zoom-stats" });
  private readonly readout = el("div", { class: "zoom-readout", attrs: { "aria-live": "polite" } });
  private readonly colorbar = new Colorbar();
  private context: ZoomContext | undefined;
  private reply: ChannelReply | undefined;
  private wanted: number | undefined;

  constructor(
    private readonly values: ChannelValues,
    events: ZoomEvents,
  ) {
    this.element = el(
      "div",
      { class: "zoom", attrs: { role: "dialog", tabindex: "-1" } },
      el(
        "div",
        { class: "zoom-bar" },
        this.title,
        iconButton("arrow-left", "Previous channel (Left)", () => events.step(-1)),
        iconButton("arrow-right", "Next channel (Right)", () => events.step(1)),
        iconButton("close", "Close (Escape)", () => events.close()),
      ),
      this.stage,
      el("div", { class: "zoom-side" }, this.stats, this.colorbar.element, this.readout),
    );
    this.element.hidden = true;
    const keys: Record<string, () => void> = { Escape: () => events.close(), ArrowLeft: () => events.step(-1), ArrowRight: () => events.step(1) };
    this.element.addEventListener("keydown", (e) => {
      // Alt+Left/Right are the panel's previous/next image: VS Code must get them.
      const action = e.altKey || e.ctrlKey || e.metaKey ? undefined : keys[e.key];
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      action();
    });
    this.canvas.addEventListener("mousemove", (e) => this.showValue(e));
    this.canvas.addEventListener("mouseleave", () => this.showValue(undefined));
    new ResizeObserver(() => this.paint()).observe(this.stage);
  }

  get channel(): number | undefined {
    return this.element.hidden ? undefined : this.wanted;
  }

  open(channel: number, context: ZoomContext): void {
    const wasClosed = this.element.hidden;
    this.wanted = channel;
    this.context = context;
    this.reply = this.values.cached(context.layer, channel);
    this.element.hidden = false;
    this.element.setAttribute("aria-label", `${context.layerName}, channel ${channel}`);
    this.title.textContent = `${context.layerName} · channel ${channel}`;
    this.render();
    if (wasClosed) this.element.focus();
    if (this.reply) return;
    this.values.fetch("zoom", context.layer, channel).then(
      (reply) => {
        if (!reply || reply.channel !== this.wanted || reply.layer !== this.context?.layer) return;
        this.reply = reply;
        this.render();
      },
      (error: Error) => {
        this.stats.textContent = error.message;
      },
    );
  }

  /** Colormap or normalisation changed, or the layer's shared range arrived. */
  refresh(context: ZoomContext): void {
    if (this.element.hidden || context.layer !== this.context?.layer) return;
    this.context = context;
    this.render();
  }

  close(): void {
    this.element.hidden = true;
    this.wanted = undefined;
    this.reply = undefined;
  }

  private render(): void {
    this.stats.textContent = this.reply ? channelStatsText(this.reply.stats) : "Loading…";
    this.readout.textContent = "";
    this.paint();
  }

  private range(): Range | undefined {
    return this.reply && this.context?.range(this.reply.values);
  }

  private paint(): void {
    const reply = this.reply;
    const context = this.context;
    const range = this.range();
    if (this.element.hidden || !reply || !context || !range) {
      this.canvas.width = 0;
      this.colorbar.show(undefined);
      return;
    }
    const lut = colormapLut(context.colormap);
    const { nonFinite } = reply.stats;
    this.colorbar.show({ lut, low: range.low, high: range.high, caption: context.rangeCaption, nonFinite });
    const map = { width: reply.width, height: reply.height };
    const size = tilePictureSize(map, Math.max(16, Math.min(this.stage.clientWidth, this.stage.clientHeight)), true);
    const bytes = new Uint8Array(reply.values.length);
    toBytes(reply.values, range, bytes);
    // The same mask the engine sends with a tile, from the raw values at hand.
    const mask = nonFiniteTotal(nonFinite) > 0 ? new Uint8Array(reply.values.length) : undefined;
    if (mask) nonFiniteMask(reply.values, mask);
    const image = new ImageData(size.width, size.height);
    paintScaled(bytes, map, lut, image, 0, 0, size, mask);
    this.canvas.width = size.width;
    this.canvas.height = size.height;
    this.canvas.getContext("2d")?.putImageData(image, 0, 0);
  }

  private showValue(e: MouseEvent | undefined): void {
    const reply = this.reply;
    if (!e || !reply || this.canvas.width === 0) {
      this.readout.textContent = "";
      return;
    }
    const x = sourceCoordinate(e.offsetX, reply.width, this.canvas.width);
    const y = sourceCoordinate(e.offsetY, reply.height, this.canvas.height);
    if (x >= reply.width || y >= reply.height) return;
    this.readout.replaceChildren(codicon("target"), ` x ${x}, y ${y} · ${formatValue(reply.values[y * reply.width + x])}`);
  }
}
