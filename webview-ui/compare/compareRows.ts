import { colormapLut, type ColormapName } from "../../src/shared/colormaps";
import type { CompareReply, CompareSnapshot } from "../../src/shared/compare";
import type { CompareRange } from "../../src/shared/choices";
import type { Picture } from "../../src/shared/protocol";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { paintScaled } from "../common/paint";
import { GAP, type Size, tilePictureSize } from "../common/tileGeometry";

/** About this many pixels on a tile's longer side: three tiles a row fit a narrow panel. */
const TILE_TARGET = 160;

export interface Colormaps {
  readonly sides: ColormapName;
  readonly diff: ColormapName;
}

function similarityText(v: number): string {
  return Number.isNaN(v) ? "—" : v.toFixed(3);
}

/**
 * One row per channel, least similar first: its name, cosine and correlation, and A | B | A - B
 * painted from the engine's bytes (A and B through one range, A - B through a symmetric one).
 */
export class CompareRows {
  readonly element = el("div", { class: "compare-rows" });
  private canvases: HTMLCanvasElement[] = [];
  private shown?: { readonly reply: CompareReply; readonly range: CompareRange; readonly tile: Size };

  constructor(private readonly colormaps: Colormaps) {}

  render(reply: CompareReply, range: CompareRange): void {
    const map = { width: reply.width, height: reply.height };
    const tile = tilePictureSize(map, TILE_TARGET, true);
    const size = reply.width * reply.height;
    const luts = { sides: colormapLut(this.colormaps.sides), diff: colormapLut(this.colormaps.diff) };
    this.canvases = [];
    const rows = [...reply.channels].map((channel, i) => {
      const canvas = el("canvas", { class: "compare-tiles" });
      canvas.width = 3 * tile.width + 2 * GAP;
      canvas.height = tile.height;
      const image = new ImageData(canvas.width, canvas.height);
      const tiles = [reply.tilesA, reply.tilesB, reply.tilesDiff];
      const masks = reply.masks && [reply.masks.a, reply.masks.b, reply.masks.diff];
      const part = (bytes: Uint8Array): Uint8Array => bytes.subarray(i * size, (i + 1) * size);
      tiles.forEach((t, k) => paintScaled(part(t), map, k === 2 ? luts.diff : luts.sides, image, k * (tile.width + GAP), 0, tile, masks && part(masks[k])));
      canvas.getContext("2d")?.putImageData(image, 0, 0);
      this.canvases.push(canvas);
      const label = el(
        "div",
        { class: "compare-label" },
        el("span", { class: "compare-channel", text: `ch ${channel}` }),
        el("span", { text: `cos ${similarityText(reply.cosine[channel])}`, title: "cosine similarity of the flattened maps" }),
        el("span", { text: `r ${similarityText(reply.correlation[channel])}`, title: "Pearson correlation of the flattened maps; — when a map is constant" }),
        el("span", { class: "compare-range", text: `${formatValue(reply.low[i])} … ${formatValue(reply.high[i])} · A−B ±${formatValue(reply.limit[i])}` }),
      );
      return el("div", { class: "compare-row" }, label, canvas);
    });
    // Captions as wide as the tiles below them (set through the CSSOM: the CSP refuses style attributes).
    const captions = ["A", "B", "A − B"].map((text) => el("span", { text }));
    for (const c of captions) c.style.width = `${tile.width}px`;
    const columns = el("div", { class: "compare-columns" }, ...captions);
    this.element.replaceChildren(columns, ...rows);
    this.shown = { reply, range, tile };
  }

  clear(): void {
    this.element.replaceChildren();
    this.canvases = [];
    this.shown = undefined;
  }

  /** The rows as painted on their canvases, stacked, with what each was painted from. */
  snapshot(layer: string): CompareSnapshot {
    const shown = this.shown;
    const tile = shown?.tile ?? { width: 0, height: 0 };
    const width = this.canvases[0]?.width ?? 0;
    const height = this.canvases.length > 0 ? this.canvases.length * (tile.height + GAP) - GAP : 0;
    const rgba = new Uint8ClampedArray(width * height * 4);
    this.canvases.forEach((canvas, i) => {
      const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (pixels) rgba.set(pixels, i * (tile.height + GAP) * width * 4);
    });
    const picture: Picture = { width, height, rgba };
    const reply = shown?.reply;
    return {
      picture,
      layer: reply?.layer ?? layer,
      range: shown?.range ?? "channel",
      channels: reply ? [...reply.channels] : [],
      tileWidth: tile.width,
      tileHeight: tile.height,
      gap: GAP,
      colormap: this.colormaps.sides,
      diffColormap: this.colormaps.diff,
      low: reply ? [...reply.low] : [],
      high: reply ? [...reply.high] : [],
      limit: reply ? [...reply.limit] : [],
    };
  }
}
