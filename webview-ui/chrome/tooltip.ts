import "./tooltip.css";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import type { ChannelValues } from "../channelValues";

export interface HoverPoint {
  readonly layer: string;
  readonly channel: number;
  /** Activation pixel, not screen pixel. */
  readonly x: number;
  readonly y: number;
  readonly clientX: number;
  readonly clientY: number;
}

/** Moving the mouse across tiles should not send a request per tile crossed. */
const FETCH_DELAY_MS = 60;

/** The floating "channel 12 · x 40, y 7 · 0.2315" readout; raw values come from the host on demand. */
export class HoverReadout {
  readonly element = el("div", { class: "hover-readout", attrs: { role: "tooltip" } });
  private point: HoverPoint | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The channel whose values are scheduled or on their way, so moving within it does not restart the wait. */
  private wanted: string | undefined;

  constructor(private readonly values: ChannelValues) {
    this.element.hidden = true;
  }

  show(point: HoverPoint): void {
    this.point = point;
    this.render();
    const key = `${point.channel}@${point.layer}`;
    if (key === this.wanted || this.values.cached(point.layer, point.channel)) return;
    clearTimeout(this.timer);
    this.wanted = key;
    this.timer = setTimeout(() => {
      const done = (): void => {
        if (this.wanted === key) this.wanted = undefined;
        this.render();
      };
      // On an error the readout keeps its ellipsis; the grid reports layer errors.
      this.values.fetch("hover", point.layer, point.channel).then(done, done);
    }, FETCH_DELAY_MS);
  }

  hide(): void {
    clearTimeout(this.timer);
    this.wanted = undefined;
    this.point = undefined;
    this.element.hidden = true;
  }

  private render(): void {
    const p = this.point;
    if (!p) return;
    const reply = this.values.cached(p.layer, p.channel);
    const value = reply ? formatValue(reply.values[p.y * reply.width + p.x]) : "…";
    this.element.textContent = `channel ${p.channel} · x ${p.x}, y ${p.y} · ${value}`;
    this.element.hidden = false;
    // Beside the pointer, flipped to the other side near the viewport's right or bottom edge.
    const r = this.element.getBoundingClientRect();
    const left = p.clientX + 14 + r.width > window.innerWidth ? p.clientX - 10 - r.width : p.clientX + 14;
    const top = p.clientY + 18 + r.height > window.innerHeight ? p.clientY - 8 - r.height : p.clientY + 18;
    this.element.style.left = `${Math.max(0, left)}px`;
    this.element.style.top = `${Math.max(0, top)}px`;
  }
}
