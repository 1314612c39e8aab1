import type { ScanChannel } from "../../src/shared/scan";
import { el } from "../common/dom";

const HEIGHT = 120;
const MIN_BAR = 2;

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/**
 * Each channel's mean over the folder as a bar (a zero line when some means are negative); dead
 * channels are a red mark under the axis, the chosen channel is highlighted. Click to choose.
 */
export class MeanChart {
  readonly element: HTMLCanvasElement = el("canvas", { class: "scan-chart", attrs: { role: "img" } });
  private channels: readonly ScanChannel[] = [];
  private selected = -1;

  constructor(private readonly choose: (channel: number) => void) {
    this.element.addEventListener("click", (e) => {
      const c = this.channelAt(e.offsetX);
      if (c !== undefined) this.choose(c);
    });
    this.element.addEventListener("mousemove", (e) => {
      const c = this.channelAt(e.offsetX);
      const ch = c === undefined ? undefined : this.channels[c];
      this.element.title = ch ? `channel ${ch.channel}: mean ${ch.mean ?? "—"}${ch.dead ? " (dead)" : ""}` : "";
    });
  }

  private barWidth(): number {
    return Math.max(MIN_BAR, Math.floor(this.element.clientWidth / Math.max(1, this.channels.length)));
  }

  private channelAt(x: number): number | undefined {
    const c = Math.floor(x / this.barWidth());
    return c >= 0 && c < this.channels.length ? c : undefined;
  }

  show(channels: readonly ScanChannel[], selected: number): void {
    this.channels = channels;
    this.selected = selected;
    this.element.setAttribute("aria-label", `Mean activation of ${channels.length} channels over the folder; ${channels.filter((c) => c.dead).length} dead`);
    this.paint();
  }

  paint(): void {
    const bar = this.barWidth();
    const canvas = this.element;
    canvas.width = Math.max(1, bar * this.channels.length);
    canvas.height = HEIGHT;
    const g = canvas.getContext("2d");
    if (!g) return;
    const means = this.channels.map((c) => c.mean ?? 0);
    const high = Math.max(0, ...means);
    const low = Math.min(0, ...means);
    const span = high - low || 1;
    const plot = HEIGHT - 6;
    const zero = (high / span) * plot;
    const [normal, dead, chosen] = [themeColor("--vscode-charts-blue", "#3794ff"), themeColor("--vscode-charts-red", "#f14c4c"), themeColor("--vscode-charts-orange", "#d18616")];
    this.channels.forEach((c, i) => {
      const v = means[i];
      const top = v >= 0 ? zero - (v / span) * plot : zero;
      const h = Math.max(1, (Math.abs(v) / span) * plot);
      g.fillStyle = i === this.selected ? chosen : normal;
      g.fillRect(i * bar, top, Math.max(1, bar - (bar > 3 ? 1 : 0)), h);
      if (c.dead) {
        g.fillStyle = dead;
        g.fillRect(i * bar, HEIGHT - 4, Math.max(1, bar - (bar > 3 ? 1 : 0)), 4);
      }
    });
    g.fillStyle = themeColor("--vscode-foreground", "#ccc");
    g.fillRect(0, Math.round(zero), canvas.width, 1);
  }
}
