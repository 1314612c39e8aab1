import "./compare.css";
import { COMPARE_RANGES, type CompareExportKind, type CompareRange, DEFAULTS, oneOf } from "../../src/shared/choices";
import { DIVERGING_COLORMAP } from "../../src/shared/colormaps";
import { type CompareHostMethods, type CompareOpened, type CompareReply, type CompareWebviewMethods, type SideSummary, MAX_COMPARE_CHANNELS } from "../../src/shared/compare";
import { errorCode } from "../../src/shared/errors";
import { RpcEndpoint } from "../../src/shared/rpc";
import { el, pictureCanvas } from "../common/dom";
import { formatShape, formatValue } from "../common/format";
import type { Host } from "../host";
import { CompareControls } from "./compareControls";
import { CompareRows } from "./compareRows";

/** Channels shown at first, and added by "More channels". */
const PAGE = 8;

function summaryText(side: string, s: SideSummary): string {
  return `${side}: ${formatShape(s.shape)}, min ${formatValue(s.min)}, max ${formatValue(s.max)}, mean ${formatValue(s.mean)}, std ${formatValue(s.std)}`;
}

/** The Compare Feature Maps panel: A | B | A − B per channel of one layer, least similar channels first. */
export class CompareApp {
  private readonly rpc: RpcEndpoint<CompareWebviewMethods, CompareHostMethods>;
  private readonly controls: CompareControls;
  private readonly rows = new CompareRows({ sides: DEFAULTS.colormap, diff: DIVERGING_COLORMAP });
  private readonly sides = el("div", { class: "compare-sides" });
  private readonly status = el("div", { class: "compare-status", attrs: { role: "status" } });
  private layer = "";
  private range: CompareRange;
  private count = PAGE;
  private generation = 0;
  private inFlight?: AbortController;
  /** The newest paint: `show` answers once it is done. */
  private painting: Promise<void> = Promise.resolve();
  /** Both sides run and the first layer asked for; `show` starts from there. */
  private readonly opening: Promise<void>;

  constructor(
    root: HTMLElement,
    private readonly host: Host,
  ) {
    const saved = (host.savedState ?? {}) as { layer?: unknown; range?: unknown };
    this.range = oneOf(COMPARE_RANGES, saved.range) ? saved.range : "channel";
    this.rpc = new RpcEndpoint<CompareWebviewMethods, CompareHostMethods>({
      post: (m) => host.post(m),
      handlers: {
        snapshot: () => this.rows.snapshot(this.layer),
        show: async ({ layer, range }) => {
          await this.opening;
          if (layer !== undefined) this.layer = layer;
          if (range !== undefined) this.range = range;
          await this.refresh();
          // A paint started meanwhile (the first layer once both sides are open) supersedes this one.
          while (true) {
            const newest = this.painting;
            await newest;
            if (newest === this.painting) break;
          }
          return this.rows.snapshot(this.layer);
        },
      },
    });
    this.controls = new CompareControls({
      layer: (id) => {
        this.layer = id;
        this.count = PAGE;
        void this.refresh();
      },
      range: (r) => {
        this.range = r;
        void this.refresh();
      },
      more: () => {
        this.count = Math.min(this.count + PAGE * 2, MAX_COMPARE_CHANNELS);
        void this.refresh();
      },
      exportAs: (kind) => void this.exportAs(kind),
    });
    root.classList.add("compare-app");
    root.append(this.sides, this.controls.element, this.status, this.rows.element);
    this.opening = this.open(typeof saved.layer === "string" ? saved.layer : undefined);
  }

  receive(message: unknown): void {
    this.rpc.receive(message);
  }

  private async open(wanted?: string): Promise<void> {
    this.status.textContent = "Running A and B…";
    let opened: CompareOpened;
    try {
      opened = await this.rpc.call("open", {});
    } catch (e) {
      this.status.textContent = (e as Error).message;
      return;
    }
    this.showSides(opened);
    this.controls.setLayers(opened.layers);
    this.layer = opened.layers.find((l) => l.id === wanted)?.id ?? opened.layers[0].id;
    void this.refresh();
  }

  private showSides(opened: CompareOpened): void {
    const side = (name: string, s: CompareOpened["a"]): HTMLElement =>
      el("figure", { class: "compare-side" }, s.input ? pictureCanvas(s.input.width, s.input.height, s.input.rgba, "compare-input") : undefined, el("figcaption", { text: `${name}: ${s.label}` }));
    this.sides.replaceChildren(side("A", opened.a), side("B", opened.b));
  }

  /** Asks for the shown layer again; resolves when the newest paint is done. */
  private refresh(): Promise<void> {
    if (!this.layer) return this.painting;
    this.controls.show(this.layer, this.range);
    this.host.saveState({ layer: this.layer, range: this.range });
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const generation = ++this.generation;
    this.painting = this.paint(generation, controller.signal);
    return this.painting;
  }

  private async paint(generation: number, signal: AbortSignal): Promise<void> {
    this.status.textContent = `Comparing ${this.layer}…`;
    let reply: CompareReply;
    try {
      reply = await this.rpc.call("compare", { request: { layer: this.layer, start: 0, count: this.count, range: this.range } }, { signal });
    } catch (e) {
      if (errorCode(e) === "CANCELLED") return;
      this.status.textContent = (e as Error).message;
      this.rows.clear();
      return;
    }
    if (generation !== this.generation) return;
    this.rows.render(reply, this.range);
    const lines = [reply.note, reply.comparable === "statistics" ? `${summaryText("A", reply.a)}\n${summaryText("B", reply.b)}` : `${reply.channels.length} of ${reply.totalChannels} channels, least similar first`];
    this.status.textContent = lines.filter((l) => l !== undefined).join("\n");
  }

  private async exportAs(kind: CompareExportKind): Promise<void> {
    try {
      const reply = await this.rpc.call("exportCompare", { kind, layer: this.layer });
      if (reply.path) this.status.textContent = `Saved ${reply.path}`;
    } catch (e) {
      this.status.textContent = (e as Error).message;
    }
  }
}
