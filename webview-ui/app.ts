import "./app.css";
import { colormapLut } from "../src/shared/colormaps";
import { openingLayer } from "../src/shared/layerRequests";
import { type NormalizeMode, valueRange } from "../src/shared/normalize";
import { DEFAULTS, type PanelView } from "../src/shared/choices";
import type { GridView, ImageView, LayerInfo, LayerStats, Snapshot, ToWebview } from "../src/shared/protocol";
import { ChannelValues } from "./channelValues";
import { Colorbar } from "./chrome/colorbar";
import { Controls, type DisplaySettings } from "./chrome/controls";
import { el } from "./common/dom";
import { ExportButtons } from "./chrome/exportButtons";
import { ExplainView } from "./explain/explainView";
import { type ActiveTile, Grid } from "./grid/grid";
import { renderHeader } from "./chrome/header";
import { LayerInfoLine } from "./chrome/layerInfo";
import type { Host } from "./host";
import { LayerList } from "./layers/layerList";
import { findLayer } from "../src/shared/layerIds";
import { LayerPaneSash } from "./layers/layerPaneSash";
import { PanelNavBar } from "./chrome/panelNav";
import { Requests } from "./requests";
import { type ViewState, restoreState } from "./state";
import { StatusArea } from "./chrome/status";
import { HoverReadout } from "./chrome/tooltip";
import { ViewToggle } from "./chrome/viewToggle";
import { type ZoomContext, ZoomView } from "./zoom/zoom";

type Loaded = Extract<ToWebview, { type: "loaded" }> & { readonly image: ImageView };


/** How long scrolling must stop before its position is saved: saving posts to VS Code, too much for every frame. */
const SAVE_DELAY_MS = 200;

const RANGE_CAPTIONS: Record<NormalizeMode, string> = {
  channel: "channel range",
  layer: "layer range",
  global: "range of all layers",
  symmetric: "layer range, symmetric",
};

/** Wires the parts of the panel to each other, to the host's messages and to the saved state. */
export class App {
  private state: ViewState;
  private loaded: Loaded | undefined;
  /** Counts the host's results: caches and tiles from an earlier one must not mix with the current. */
  private generation = 0;
  /** Until the first result is shown, the saved scroll position and zoom still wait to be applied. */
  private restoring = true;
  /** A selectLayer that arrived before the model it names. */
  private pendingSelect: { layer: string; view?: GridView; channel?: number } | undefined;
  private active: ActiveTile | undefined;
  /** The statistics of the grid's layer, once its tiles arrived: the colorbar lists its NaN and infinities. */
  private layerStats: LayerStats | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly requests: Requests;
  private readonly values: ChannelValues;
  private readonly status: StatusArea;
  private readonly layerList: LayerList;
  private readonly controls: Controls;
  private readonly exportButtons: ExportButtons;
  private readonly grid: Grid;
  private readonly zoom: ZoomView;
  private readonly colorbar = new Colorbar();
  private readonly readout: HoverReadout;
  private readonly layerInfo: LayerInfoLine;
  private readonly headerSlot = el("div", { class: "header-slot" });
  private readonly nav: PanelNavBar;
  private readonly result: HTMLElement;
  private readonly workspace: HTMLElement;
  private readonly toggle: ViewToggle;
  private readonly explain: ExplainView;

  constructor(
    root: HTMLElement,
    private readonly host: Host,
  ) {
    this.state = restoreState(host.savedState);
    this.requests = new Requests(
      (m) => host.post(m),
      () => this.snapshot(),
      (method) => this.explain.overlay(method),
    );
    this.explain = new ExplainView(
      {
        explain: (params, signal, onProgress) => this.requests.explain(params, signal, onProgress),
        exportExplain: (kind, method) => this.requests.exportExplain(kind, method),
        save: (explain) => this.save({ explain }),
        rendered: (method, reply, look) => host.post({ type: "explained", method, layer: reply.layer, classIndex: reply.classIndex, ...look }),
      },
      this.state.explain,
    );
    this.toggle = new ViewToggle((panel) => this.showPanel(panel));
    this.nav = new PanelNavBar((action) => host.post({ type: "navigate", action }));
    this.values = new ChannelValues(this.requests);
    this.status = new StatusArea({
      retry: () => host.post({ type: "retry" }),
      openSettings: () => host.post({ type: "openSettings" }),
      hintAction: () => host.post({ type: "hintAction" }),
    });
    this.layerList = new LayerList(
      {
        select: (layer) => this.selectLayer(layer),
        filter: (filter) => this.save({ filter }),
        collapsed: (collapsed) => this.save({ collapsed }),
      },
      this.state.collapsed,
    );
    this.controls = new Controls((change) => this.changeDisplay(change));
    this.exportButtons = new ExportButtons(this.requests);
    this.readout = new HoverReadout(this.values);
    this.layerInfo = new LayerInfoLine(this.colorbar.element, this.exportButtons.element);
    this.grid = new Grid(this.requests, () => this.layerList.order, {
      painted: (layer, channels, tiles, view) => host.post({ type: "painted", layer, channels, tiles, view }),
      stats: (stats) => {
        this.layerStats = stats;
        this.layerInfo.showStats(stats);
        this.showColorbar();
        this.refreshZoom();
      },
      active: (tile) => {
        this.active = tile;
        this.showColorbar();
      },
      hover: (point) => (point ? this.readout.show(point) : this.readout.hide()),
      zoom: (channel) => this.openZoom(channel),
      scrolled: (scrollTop) => this.saveSoon({ scrollTop }),
    });
    this.zoom = new ZoomView(this.values, {
      close: () => this.closeZoom(true),
      step: (delta) => {
        const channel = this.grid.step(delta);
        if (channel !== undefined) this.openZoom(channel);
      },
    });
    const workspace = el("div", { class: "workspace" });
    this.workspace = workspace;
    const sash = new LayerPaneSash(workspace, this.layerList.element, this.state.layersWidth, (layersWidth) => this.save({ layersWidth }));
    workspace.append(
      this.layerList.element,
      sash.element,
      el(
        "main",
        { class: "main" },
        el("div", { class: "toolbar" }, this.controls.element),
        this.layerInfo.element,
        el("div", { class: "grid-area" }, this.grid.element, this.zoom.element),
      ),
    );
    this.result = el("div", { class: "result" }, this.headerSlot, this.toggle.element, workspace, this.explain.element);
    this.showPanel(this.state.panel);
    this.result.hidden = true;
    root.replaceChildren(this.status.element, this.result, this.readout.element);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.zoom.channel !== undefined) this.closeZoom(true);
    });
    this.controls.show(this.display());
  }

  receive(raw: unknown): void {
    if (this.requests.receive(raw)) return;
    const message = raw as ToWebview;
    switch (message.type) {
      case "busy":
        this.status.busy(message.message);
        break;
      case "panelNav":
        this.nav.show(message.nav);
        this.host.keep({ resource: message.nav.resource, locked: message.nav.locked });
        break;
      case "loaded": {
        // Without an image the host means the one shown, or one that follows. A view that has
        // none yet has just said `ready`, and the host answers that with a whole result.
        const image = message.image ?? this.loaded?.image;
        if (image) this.showResult({ ...message, image });
        break;
      }
      case "image":
        if (this.loaded) {
          this.loaded = { ...this.loaded, image: message.image };
          this.showImage(this.loaded);
        }
        break;
      case "display":
        this.showDisplay(message);
        break;
      case "failed":
        this.status.busy(undefined);
        this.status.failed({ message: message.error.message, hint: message.hint });
        this.result.hidden = !message.keepResult || !this.loaded;
        this.result.classList.toggle("stale", message.keepResult);
        break;
      case "hint":
        this.status.hint(message.message, message.action?.label);
        break;
      case "selectLayer": {
        // A tensor name selects its layer too; openingLayer resolves a pending one the same way.
        const layer = this.loaded && findLayer(this.loaded.model.layers, message.layer);
        if (!this.loaded) this.pendingSelect = { layer: message.layer, view: message.view, channel: message.channel };
        else if (layer) this.selectLayer(layer.id, message.view);
        if (this.loaded && layer && message.channel !== undefined) this.openZoom(message.channel);
        break;
      }
      case "showView":
        if (message.explain) this.explain.update(message.explain);
        this.showPanel(message.view);
        break;
    }
  }

  private showResult(loaded: Loaded): void {
    this.loaded = loaded;
    this.generation++;
    this.requests.abandonAll();
    this.values.clear();
    this.status.busy(undefined);
    this.status.failed(undefined);
    if (!loaded.imageFollows) this.showImage(loaded);
    this.result.hidden = false;
    this.result.classList.remove("stale");
    this.layerList.setLayers(loaded.model.layers, loaded.pinned, this.state.filter);

    const pending = this.pendingSelect;
    this.pendingSelect = undefined;
    const layer = openingLayer(loaded.model.layers, loaded.pinned, pending?.layer, this.state.layer)?.id;
    this.grid.offer(loaded.first);
    const restoring = this.restoring && layer === this.state.layer && !pending;
    this.restoring = false;
    if (!layer) return;
    if (restoring) {
      this.layerList.select(layer);
      this.grid.restoreScroll(this.state.scrollTop);
      this.refresh();
      if (this.state.zoom !== undefined) this.openZoom(this.state.zoom);
    } else {
      // A new result for the layer already shown keeps the zoom on the same channel.
      const sameLayer = layer === this.state.layer && !pending?.view;
      this.selectLayer(layer, pending?.view, sameLayer);
      if (pending?.channel !== undefined) this.openZoom(pending.channel);
    }
  }

  /** The header and the explanations of the image shown. */
  private showImage(loaded: Loaded): void {
    this.headerSlot.replaceChildren(renderHeader(loaded.image, loaded.model, this.nav.element));
    this.explain.setResult(loaded.model, loaded.image);
  }

  /** The same result shown differently: the tiles already here stay valid, only the defaults and pins change. */
  private showDisplay(display: Extract<ToWebview, { type: "display" }>): void {
    const loaded = this.loaded;
    if (!loaded) return;
    this.loaded = { ...loaded, defaults: display.defaults, pinned: display.pinned };
    this.status.busy(undefined);
    this.status.failed(undefined);
    this.result.classList.remove("stale");
    if (display.pinned.join("\u0000") !== loaded.pinned.join("\u0000")) this.layerList.setLayers(loaded.model.layers, display.pinned, this.state.filter);
    this.refresh();
  }

  /** The grid or the Explain view in the panel's main area. */
  private showPanel(panel: PanelView): void {
    if (panel !== this.state.panel) this.save({ panel });
    this.toggle.show(panel);
    this.workspace.hidden = panel !== "grid";
    this.explain.element.hidden = panel !== "explain";
    this.explain.setActive(panel === "explain");
  }

  private selectLayer(id: string, view?: GridView, keepZoom = false): void {
    const layerChanged = id !== this.state.layer;
    if (layerChanged || !keepZoom) this.closeZoom();
    this.save({ layer: id, view: view ?? this.state.view, ...(layerChanged ? { scrollTop: 0 } : {}) });
    this.layerList.select(id);
    this.refresh();
    if (keepZoom && this.state.zoom !== undefined) this.openZoom(this.state.zoom);
  }

  private changeDisplay(change: Partial<DisplaySettings>): void {
    this.save(change);
    this.refresh();
  }

  private display(): DisplaySettings {
    const defaults = this.loaded?.defaults;
    return {
      view: this.state.view,
      order: this.state.order,
      normalize: this.state.normalize ?? defaults?.normalize ?? DEFAULTS.normalize,
      clipPercent: this.state.clipPercent,
      colormap: this.state.colormap ?? defaults?.colormap ?? DEFAULTS.colormap,
      tileSize: this.state.tileSize,
    };
  }

  private currentLayer(): LayerInfo | undefined {
    return this.loaded?.model.layers.find((l) => l.id === this.state.layer);
  }

  private refresh(): void {
    const display = this.display();
    this.controls.show(display);
    const layer = this.currentLayer();
    this.exportButtons.setLayer(layer?.id);
    if (!layer) return;
    this.layerInfo.showLayer(layer);
    this.grid.update({ ...display, layer, generation: this.generation });
    this.showColorbar();
    this.refreshZoom();
  }

  private showColorbar(): void {
    // The zoom has its own colorbar; this one would describe tiles hidden under it.
    const tile = this.zoom.channel === undefined ? this.active : undefined;
    const { colormap, normalize, clipPercent } = this.display();
    const caption = normalize === "channel" && tile ? `channel ${tile.channel}` : RANGE_CAPTIONS[normalize];
    this.colorbar.show(
      tile && {
        lut: colormapLut(colormap),
        low: tile.low,
        high: tile.high,
        caption: clipPercent > 0 ? `${caption}, clipped ${clipPercent}%` : caption,
        nonFinite: this.layerStats?.nonFinite,
      },
    );
  }

  private zoomContext(): ZoomContext | undefined {
    const layer = this.currentLayer();
    if (!layer) return undefined;
    const { colormap, normalize, clipPercent } = this.display();
    return {
      layer: layer.id,
      layerName: layer.name,
      colormap,
      rangeCaption: RANGE_CAPTIONS[normalize],
      // The same rule the engine uses for the tiles, so the zoom looks like the tile it enlarges.
      range: (values) => (normalize === "channel" ? valueRange(values, clipPercent) : this.grid.sharedRange()),
    };
  }

  private openZoom(channel: number): void {
    const context = this.zoomContext();
    if (!context) return;
    this.readout.hide();
    this.zoom.open(channel, context);
    this.save({ zoom: channel });
    this.showColorbar();
  }

  private refreshZoom(): void {
    const context = this.zoomContext();
    if (context) this.zoom.refresh(context);
  }

  /** Focus returns to the grid only when the user closed the zoom, not when another layer replaced it. */
  private closeZoom(returnFocus = false): void {
    const wasOpen = this.zoom.channel !== undefined;
    this.zoom.close();
    this.save({ zoom: undefined });
    this.showColorbar();
    if (wasOpen && returnFocus) this.grid.focusGrid();
  }

  private snapshot(): Snapshot {
    const layer = this.state.layer ?? "";
    return this.grid.snapshot() ?? {
      picture: { width: 0, height: 0, rgba: new Uint8ClampedArray(0) },
      layout: { layer, channels: [], columns: 1, tileWidth: 0, tileHeight: 0, gap: 0, colormap: this.display().colormap },
    };
  }

  private save(change: Partial<ViewState>): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.state = { ...this.state, ...change };
    this.host.saveState(this.state);
  }

  /** For changes that come in every frame (scrolling): VS Code gets the state once they stop. */
  private saveSoon(change: Partial<ViewState>): void {
    this.state = { ...this.state, ...change };
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save({}), SAVE_DELAY_MS);
  }
}
