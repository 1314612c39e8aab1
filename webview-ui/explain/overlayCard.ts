import { overlayCam, resizeMap, scaleCam } from "../../src/shared/camImage";
import type { ExplainMethod, ExportKind } from "../../src/shared/choices";
import { colormapLut } from "../../src/shared/colormaps";
import type { ExplainReply } from "../../src/shared/explain";
import type { OverlaySnapshot, Picture } from "../../src/shared/protocol";
import { el, iconButton, textButton } from "../common/dom";
import { formatValue } from "../common/format";
import { RunProgress } from "./progress";
import type { RunState } from "./runs";
import { METHOD_LABELS } from "./settings";
import type { ExplainSettings } from "./settings";

export type Look = Pick<ExplainSettings, "opacity" | "colormap">;

export interface CardActions {
  cancel(): void;
  retry(): void;
  save(kind: ExportKind): Promise<string | undefined>;
  /** The overlay on the canvas changed. */
  rendered(reply: ExplainReply, look: Look): void;
}

/** The map scaled and upsampled to the picture, kept so opacity and colormap changes only blend. */
interface Prepared {
  readonly reply: ExplainReply;
  readonly base: Picture;
  readonly scaled: Float32Array;
}

/** One method's overlay: the picture with its map over it, its progress, hover value and exports. */
export class OverlayCard {
  readonly element: HTMLElement;
  private readonly canvas = el("canvas", { class: "explain-canvas" });
  private readonly progress: RunProgress;
  private readonly message = el("div", { class: "explain-message", attrs: { "aria-live": "polite" } });
  private readonly readout = el("div", { class: "explain-readout dim" });
  private readonly exports: HTMLElement;
  private prepared: Prepared | undefined;
  private look: Look | undefined;

  constructor(
    readonly method: ExplainMethod,
    private readonly actions: CardActions,
  ) {
    this.progress = new RunProgress(method === "occlusion" ? "windows" : "channels", () => actions.cancel());
    const saving = (kind: ExportKind) => async (): Promise<void> => {
      try {
        const path = await actions.save(kind);
        if (path) this.say(`Saved to ${path}`);
      } catch (error) {
        this.say(`Could not save: ${(error as Error).message}`);
      }
    };
    this.exports = el(
      "div",
      { class: "explain-exports" },
      iconButton("file-media", `Save the ${METHOD_LABELS[method]} overlay as PNG`, saving("png")),
      iconButton("save", `Save the raw ${METHOD_LABELS[method]} map as .npy`, saving("npy")),
    );
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `${METHOD_LABELS[method]} map over the image`);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => this.showReadout(undefined));
    this.element = el(
      "figure",
      { class: "explain-card", attrs: { "data-method": method } },
      el("figcaption", { class: "explain-card-title" }, el("strong", { text: METHOD_LABELS[method] }), this.exports),
      this.progress.element,
      el("div", { class: "explain-canvas-box" }, this.canvas),
      this.message,
      this.readout,
    );
  }

  /** Shows a run's state over `base`, the original image as the panel shows it. */
  show(state: RunState | undefined, base: Picture, look: Look): void {
    this.progress.show(state?.kind === "running" ? state : undefined);
    this.exports.hidden = state?.kind !== "done";
    this.message.replaceChildren();
    if (state?.kind === "failed" || state?.kind === "cancelled") {
      const text = state.kind === "failed" ? state.message : "Cancelled.";
      this.message.append(el("span", { text }), textButton("Run again", "refresh", () => this.actions.retry(), { secondary: true }));
    }
    if (state?.kind !== "done") {
      this.prepared = undefined;
      this.draw(base.width, base.height, base.rgba);
      this.canvas.classList.toggle("waiting", state?.kind === "running");
      return;
    }
    this.canvas.classList.remove("waiting");
    const { reply } = state;
    if (this.prepared?.reply !== reply || this.prepared.base !== base) {
      // As scale_cam_image: scaled to [0, 1] at the map's resolution, then resized to the picture.
      const scaled = resizeMap(scaleCam(reply.map), reply.height, reply.width, base.height, base.width, false);
      this.prepared = { reply, base, scaled };
      this.look = undefined;
    }
    if (this.look?.opacity === look.opacity && this.look.colormap === look.colormap) return;
    this.look = look;
    const image = new Uint8Array(base.rgba.buffer, base.rgba.byteOffset, base.rgba.byteLength);
    this.draw(base.width, base.height, overlayCam(image, this.prepared.scaled, colormapLut(look.colormap), look.opacity));
    this.actions.rendered(reply, look);
  }

  /** The overlay's pixels as they are on the canvas, with the map they came from. */
  snapshot(): OverlaySnapshot | undefined {
    const p = this.prepared;
    const look = this.look;
    const context = this.canvas.getContext("2d");
    if (!p || !look || !context) return undefined;
    const { width, height } = this.canvas;
    const rgba = context.getImageData(0, 0, width, height).data;
    const { reply } = p;
    return { picture: { width, height, rgba }, method: this.method, layer: reply.layer, classIndex: reply.classIndex, ...look, height: reply.height, width: reply.width, map: reply.map };
  }

  private draw(width: number, height: number, rgba: Uint8ClampedArray): void {
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    if (width > 0 && height > 0) this.canvas.getContext("2d")?.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }

  /** The raw map's value under the pointer, at the map's own resolution, and the class's score. */
  private hover(e: MouseEvent): void {
    const reply = this.prepared?.reply;
    if (!reply) return;
    const r = this.canvas.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return;
    const x = Math.min(reply.width - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * reply.width)));
    const y = Math.min(reply.height - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * reply.height)));
    this.showReadout(`x ${x}, y ${y} · ${formatValue(reply.map[y * reply.width + x])} · class ${reply.classIndex} score ${formatValue(reply.score)}`);
  }

  private showReadout(text: string | undefined): void {
    this.readout.textContent = text ?? "";
  }

  private say(text: string): void {
    this.message.replaceChildren(el("span", { text, title: text }));
  }
}
