import type { ToHost } from "../../src/shared/protocol";
import type { ScanFromView, ScanResult, ScanThumbnail, ScanToView, ScanViewReport } from "../../src/shared/scan";
import { el, textButton } from "../common/dom";
import { formatValue } from "../common/format";
import type { Host } from "../host";
import { MeanChart } from "./chart";
import { thumbnailRow } from "./thumbnails";
import "./scan.css";

/**
 * A folder scan's result: the per-channel mean chart, the channel list with dead channels
 * marked, the chosen channel's best images by mean and by max with its map over them, the
 * images that failed, and the exports. Clicking an image opens it in a Feature Maps panel.
 */
export class ScanApp {
  private result: ScanResult | undefined;
  private channel = 0;
  private pictures: Map<string, ScanThumbnail> | undefined;
  private readonly chart = new MeanChart((c) => this.choose(c));
  private readonly header = el("header", { class: "scan-header" });
  private readonly failed = el("div", { class: "scan-failed" });
  private readonly list = el("div", { class: "scan-channels", attrs: { role: "listbox", "aria-label": "Channels", tabindex: "0" } });
  private readonly detail = el("div", { class: "scan-detail" });

  constructor(
    root: HTMLElement,
    private readonly host: Host,
  ) {
    root.classList.add("scan");
    root.append(this.header, this.failed, this.chart.element, el("div", { class: "scan-body" }, this.list, this.detail));
    this.list.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
      if (step === 0 || !this.result) return;
      e.preventDefault();
      this.choose(Math.min(this.result.channels.length - 1, Math.max(0, this.channel + step)));
    });
    window.addEventListener("resize", () => this.chart.paint());
  }

  /** The shared host link speaks the panel's protocol; the scan view's messages are its own (src/shared/scan.ts). */
  private post(message: ScanFromView): void {
    this.host.post(message as unknown as ToHost);
  }

  receive(message: unknown): void {
    const m = message as ScanToView;
    switch (m.type) {
      case "scanResult":
        this.show(m.result, m.folder);
        return;
      case "scanThumbnails":
        if (m.channel !== this.channel) return;
        this.pictures = new Map(m.thumbnails.map((t) => [t.path, t]));
        this.renderDetail();
        return;
      case "scanReport":
        this.post({ type: "scanReport", id: m.id, report: this.report() });
    }
  }

  private show(result: ScanResult, folder: string): void {
    this.result = result;
    // What the host needs to show this result again after a window reload (FolderScans.restore).
    this.host.keep({ folder, layer: result.layer, top: result.top });
    const counts = `${result.scanned} images scanned, ${result.failed.length} failed · ${result.deadChannels.length} of ${result.channels.length} channels dead · top ${result.top}`;
    this.header.replaceChildren(
      el("div", { class: "scan-title" }, el("strong", { text: `${result.layer}` }), ` of ${result.model} over ${folder}`),
      el("div", { class: "scan-counts dim", text: counts }),
      el(
        "div",
        { class: "scan-exports" },
        textButton("Export JSON", "json", () => this.post({ type: "scanExport", format: "json" }), { secondary: true }),
        textButton("Export CSV", "table", () => this.post({ type: "scanExport", format: "csv" }), { secondary: true }),
      ),
    );
    this.failed.replaceChildren(
      ...(result.failed.length === 0
        ? []
        : [
            el(
              "details",
              { class: "scan-failures" },
              el("summary", { text: `${result.failed.length} image${result.failed.length === 1 ? "" : "s"} could not be read` }),
              el("ul", {}, ...result.failed.map((f) => el("li", { attrs: { "data-path": f.path } }, el("code", { text: f.path }), ` ${f.message} [${f.code}]`))),
            ),
          ]),
    );
    this.list.replaceChildren(
      ...result.channels.map((c) => {
        const item = el(
          "div",
          { class: `scan-channel${c.dead ? " dead" : ""}`, attrs: { role: "option", "data-channel": String(c.channel) } },
          el("span", { class: "scan-channel-index", text: String(c.channel) }),
          el("span", { class: "dim", text: `mean ${c.mean === null ? "—" : formatValue(c.mean)} · max ${c.max === null ? "—" : formatValue(c.max)}` }),
          c.dead ? el("span", { class: "scan-dead", text: "dead" }) : undefined,
        );
        item.addEventListener("click", () => this.choose(c.channel));
        return item;
      }),
    );
    this.choose(0);
  }

  private choose(channel: number): void {
    if (!this.result?.channels[channel]) return;
    this.channel = channel;
    this.pictures = undefined;
    for (const item of this.list.children) item.setAttribute("aria-selected", String((item as HTMLElement).dataset.channel === String(channel)));
    this.list.children[channel]?.scrollIntoView({ block: "nearest" });
    this.chart.show(this.result.channels, channel);
    this.renderDetail();
    this.post({ type: "scanThumbnails", channel });
  }

  private renderDetail(): void {
    const c = this.result?.channels[this.channel];
    if (!c) return;
    const open = (path: string): void => this.post({ type: "scanOpen", path, channel: c.channel });
    this.detail.replaceChildren(
      el("h2", { text: `Channel ${c.channel}${c.dead ? " (dead over the whole folder)" : ""}` }),
      thumbnailRow("Top images by mean activation", c.topByMean, this.pictures, open),
      thumbnailRow("Top images by max activation", c.topByMax, this.pictures, open),
    );
  }

  private report(): ScanViewReport {
    const paths = (section: number): string[] => [...(this.detail.querySelectorAll(".scan-ranking")[section]?.querySelectorAll<HTMLElement>(".scan-thumb") ?? [])].map((b) => b.dataset.path ?? "");
    return {
      channel: this.channel,
      topByMean: paths(0),
      topByMax: paths(1),
      painted: this.detail.querySelectorAll('.scan-thumb[data-painted="true"]').length,
      failed: [...this.failed.querySelectorAll<HTMLElement>("li")].map((li) => li.dataset.path ?? ""),
      bars: this.result?.channels.length ?? 0,
      dead: [...this.list.querySelectorAll<HTMLElement>(".scan-channel.dead")].map((d) => Number(d.dataset.channel)),
    };
  }
}
