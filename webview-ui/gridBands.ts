import type { Picture } from "../src/shared/protocol";
import { el } from "./dom";
import { paintScaled } from "./paint";
import { type GridLayout, type Size, type TileHit, pictureSize, tileAt } from "./tileGeometry";
import type { Tile } from "./tileStore";

/** A window of the grid to show: rows [firstRow, firstRow + rows) of the whole layout. */
export interface GridWindow {
  /** Everything the pixels depend on but the scroll position: bands painted under the same base stay valid. */
  readonly base: string;
  readonly map: Size;
  readonly layout: GridLayout;
  readonly lut: Uint8Array;
  readonly firstRow: number;
  /** Rows per band; firstRow is a multiple of it, so bands line up as the window moves. */
  readonly bandRows: number;
  /** The window's tiles, row-major; undefined where a tile has not arrived. */
  readonly tiles: readonly (Tile | undefined)[];
}

interface Band {
  readonly canvas: HTMLCanvasElement;
  first: number;
  rows: number;
  base: string;
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  // Written with putImageData and read back for snapshots, never drawn by the GPU: keep it on the CPU.
  return canvas.getContext("2d", { willReadFrequently: true });
}

/**
 * The grid's picture as a few stacked canvases of some rows each. Scrolling paints only the band
 * coming into view; repainting a screenful of tiles for every row crossed makes large layers stutter.
 */
export class GridBands {
  readonly element = el("div", { class: "grid-bands" });
  private bands: Band[] = [];
  private window: GridWindow | undefined;

  show(w: GridWindow): void {
    const rows = Math.ceil(w.tiles.length / w.layout.columns);
    const firsts: number[] = [];
    for (let first = w.firstRow; first < w.firstRow + rows; first += w.bandRows) firsts.push(first);
    const kept = new Map<number, Band>();
    const spare: Band[] = [];
    for (const band of this.bands) {
      if (band.base === w.base && firsts.includes(band.first) && !kept.has(band.first)) kept.set(band.first, band);
      else spare.push(band);
    }
    this.bands = firsts.map((first) => {
      const count = Math.min(w.bandRows, w.firstRow + rows - first);
      const old = kept.get(first);
      const band = old ?? spare.pop() ?? this.newBand();
      if (old?.rows !== count) this.paint(band, w, first, count);
      return band;
    });
    for (const band of spare) band.canvas.remove();
    this.window = w;
  }

  /** The window's tile under the pointer (index into the window's tiles) and the pixel within it. */
  hit(e: MouseEvent): TileHit | undefined {
    const band = this.bands.find((b) => b.canvas === e.target);
    const w = this.window;
    const h = band && w && tileAt(w.layout, e.offsetX, e.offsetY);
    if (!band || !w || !h) return undefined;
    return { ...h, index: h.index + (band.first - w.firstRow) * w.layout.columns };
  }

  /** The whole window as one picture, each tile where the snapshot layout says it is. */
  snapshot(): Picture | undefined {
    const w = this.window;
    if (!w || this.bands.length === 0) return undefined;
    const size = pictureSize(w.layout, Math.ceil(w.tiles.length / w.layout.columns));
    const rgba = new Uint8ClampedArray(size.width * size.height * 4);
    for (const band of this.bands) {
      const { width, height } = band.canvas;
      const image = width > 0 && height > 0 ? context(band.canvas)?.getImageData(0, 0, width, height) : undefined;
      if (image) rgba.set(image.data, (band.first - w.firstRow) * w.layout.pitchY * size.width * 4);
    }
    return { width: size.width, height: size.height, rgba };
  }

  private newBand(): Band {
    const canvas = el("canvas", { class: "grid-canvas" });
    this.element.append(canvas);
    return { canvas, first: 0, rows: 0, base: "" };
  }

  private paint(band: Band, w: GridWindow, first: number, rows: number): void {
    const { layout } = w;
    const size = pictureSize(layout, rows);
    band.first = first;
    band.rows = rows;
    band.base = w.base;
    band.canvas.width = size.width;
    band.canvas.height = size.height;
    band.canvas.style.width = `${size.width}px`;
    band.canvas.style.height = `${size.height}px`;
    band.canvas.style.top = `${first * layout.pitchY}px`;
    if (size.width === 0 || size.height === 0) return;
    const image = new ImageData(size.width, size.height);
    const offset = (first - w.firstRow) * layout.columns;
    const end = Math.min(w.tiles.length, offset + rows * layout.columns);
    for (let i = offset; i < end; i++) {
      const tile = w.tiles[i];
      const k = i - offset;
      if (tile) paintScaled(tile.bytes, w.map, w.lut, image, (k % layout.columns) * layout.pitchX, Math.floor(k / layout.columns) * layout.pitchY, layout.tile);
    }
    context(band.canvas)?.putImageData(image, 0, 0);
  }
}
