import type { Picture } from "../../src/shared/protocol";
import { el } from "../common/dom";
import { clearRect, paintScaled } from "../common/paint";
import { type GridLayout, type Size, type TileHit, pictureSize, tileAt } from "../common/tileGeometry";
import type { Tile } from "./tileStore";

/** A window of the grid to show: rows [firstRow, endRow) of the whole layout. */
export interface GridWindow {
  /** Everything the pixels depend on but the scroll position: bands painted under the same base stay valid. */
  readonly base: string;
  readonly map: Size;
  readonly layout: GridLayout;
  readonly lut: Uint8Array;
  /** firstRow is a multiple of bandRows, so bands line up as the window moves. */
  readonly firstRow: number;
  readonly endRow: number;
  readonly bandRows: number;
  /** The grid's tile count: the bands just beyond the window are painted ahead, while the browser is idle. */
  readonly count: number;
  tile(position: number): Tile | undefined;
}

interface Band {
  readonly canvas: HTMLCanvasElement;
  first: number;
  rows: number;
  base: string;
  /** Kept between paints of the same size: allocating megabytes per band makes the garbage collector pause scrolling. */
  image: ImageData | undefined;
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  // Written with putImageData and read back for snapshots, never drawn by the GPU: keep it on the CPU.
  return canvas.getContext("2d", { willReadFrequently: true });
}

function setStyle(canvas: HTMLCanvasElement, property: "width" | "height" | "top", value: string): void {
  // Writing a style, even an unchanged one, makes the next frame recompute the layout.
  if (canvas.style[property] !== value) canvas.style[property] = value;
}

/**
 * The grid's picture as a few stacked canvases of some rows each. Scrolling paints only the band
 * coming into view, and usually not even that: the band beyond each end of the window is painted
 * while the browser is idle, so a scrolling frame only moves canvases.
 */
export class GridBands {
  readonly element = el("div", { class: "grid-bands" });
  /** In the document: the window's bands and those painted ahead. */
  private bands: Band[] = [];
  /** Out of the document, for reuse. */
  private spare: Band[] = [];
  private window: GridWindow | undefined;
  private idle = 0;

  show(w: GridWindow): void {
    this.window = w;
    const firsts = this.windowFirsts(w);
    const wanted = new Set([...firsts, ...this.aheadFirsts(w)]);
    const kept = new Map<number, Band>();
    for (const band of this.bands) {
      if (this.holds(band, w, band.first) && wanted.has(band.first) && !kept.has(band.first)) kept.set(band.first, band);
      else this.retire(band);
    }
    for (const first of firsts) {
      if (!kept.has(first)) kept.set(first, this.paintBand(w, first));
    }
    this.bands = [...kept.values()];
    this.scheduleAhead(w);
  }

  /** The window's tile under the pointer (index from the window's first tile) and the pixel within it. */
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
    const shown = w && this.bands.filter((b) => b.first >= w.firstRow && b.first < w.endRow);
    if (!w || !shown || shown.length === 0) return undefined;
    const size = pictureSize(w.layout, this.windowRows(w));
    const rgba = new Uint8ClampedArray(size.width * size.height * 4);
    for (const band of shown) {
      const { width, height } = band.canvas;
      const image = width > 0 && height > 0 ? context(band.canvas)?.getImageData(0, 0, width, height) : undefined;
      if (image) rgba.set(image.data, (band.first - w.firstRow) * w.layout.pitchY * size.width * 4);
    }
    return { width: size.width, height: size.height, rgba };
  }

  private windowRows(w: GridWindow): number {
    return w.endRow - w.firstRow;
  }

  private windowFirsts(w: GridWindow): number[] {
    const firsts: number[] = [];
    for (let first = w.firstRow; first < w.endRow; first += w.bandRows) firsts.push(first);
    return firsts;
  }

  private totalRows(w: GridWindow): number {
    return Math.ceil(w.count / w.layout.columns);
  }

  private bandRowsAt(w: GridWindow, first: number): number {
    return Math.min(w.bandRows, this.totalRows(w) - first);
  }

  /** Whether a band shows rows from `first` as the window would paint them. */
  private holds(band: Band, w: GridWindow, first: number): boolean {
    return band.base === w.base && band.first === first && band.rows === this.bandRowsAt(w, first);
  }

  private aheadFirsts(w: GridWindow): number[] {
    return [w.firstRow - w.bandRows, w.endRow].filter((first) => first >= 0 && first < this.totalRows(w));
  }

  /** One band per idle period: a band is a few milliseconds of painting, and the next frame may be due. */
  private scheduleAhead(w: GridWindow): void {
    cancelIdleCallback(this.idle);
    const first = this.aheadFirsts(w).find((f) => !this.bands.some((b) => this.holds(b, w, f)));
    if (first === undefined) return;
    this.idle = requestIdleCallback(() => {
      if (this.window !== w) return;
      this.bands.push(this.paintBand(w, first));
      this.scheduleAhead(w);
    });
  }

  private retire(band: Band): void {
    band.canvas.remove();
    band.base = "";
    this.spare.push(band);
  }

  private paintBand(w: GridWindow, first: number): Band {
    const band = this.spare.pop() ?? { canvas: el("canvas", { class: "grid-canvas" }), first: 0, rows: 0, base: "", image: undefined };
    if (!band.canvas.isConnected) this.element.append(band.canvas);
    const { layout } = w;
    const rows = this.bandRowsAt(w, first);
    const size = pictureSize(layout, rows);
    band.first = first;
    band.rows = rows;
    band.base = w.base;
    if (band.canvas.width !== size.width) band.canvas.width = size.width;
    if (band.canvas.height !== size.height) band.canvas.height = size.height;
    setStyle(band.canvas, "width", `${size.width}px`);
    setStyle(band.canvas, "height", `${size.height}px`);
    setStyle(band.canvas, "top", `${first * layout.pitchY}px`);
    if (size.width === 0 || size.height === 0) return band;
    const reuse = band.image && band.image.width === size.width && band.image.height === size.height;
    const image = reuse && band.image ? band.image : new ImageData(size.width, size.height);
    band.image = image;
    for (let k = 0; k < rows * layout.columns; k++) {
      const position = first * layout.columns + k;
      const tile = position < w.count ? w.tile(position) : undefined;
      const x = (k % layout.columns) * layout.pitchX;
      const y = Math.floor(k / layout.columns) * layout.pitchY;
      if (tile) paintScaled(tile.bytes, w.map, w.lut, image, x, y, layout.tile, tile.mask);
      else if (reuse) clearRect(image, x, y, layout.tile);
    }
    context(band.canvas)?.putImageData(image, 0, 0);
    return band;
  }
}
