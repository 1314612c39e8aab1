// Where tiles sit on a grid picture and which activation pixel each picture pixel shows. The
// snapshot's layout promises tile i at ((i % columns) * (tileWidth + gap), floor(i / columns) *
// (tileHeight + gap)); everything here keeps that promise.

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Picture pixels between tiles, left transparent so the theme's background shows through. */
export const GAP = 4;

const MIN_SIDE = 16;

/** A matrix like a linear layer's [9, 512] output is stretched to at most this aspect ratio, as imshow's aspect="auto" would. */
const MAX_ASPECT = 4;

/**
 * The picture size of a map shown at about `target` pixels on its longer side. Enlarging uses a
 * whole factor so every activation pixel becomes an equal block (uneven blocks read as structure
 * that is not there): the nearest one, or with `fit` the largest that stays within target. Only
 * clearly smaller targets shrink the map, dropping pixels.
 */
export function tilePictureSize(map: Size, target: number, fit = false): Size {
  const longest = Math.max(map.width, map.height, 1);
  const ratio = target / longest;
  const whole = fit ? Math.floor(ratio) : Math.round(ratio);
  const scale = whole >= 1 && (fit || ratio >= 0.75) ? whole : ratio;
  const width = Math.max(1, Math.round(map.width * scale));
  const height = Math.max(1, Math.round(map.height * scale));
  const thinnest = Math.min(target, MIN_SIDE);
  return {
    width: Math.max(width, thinnest, Math.round(height / MAX_ASPECT)),
    height: Math.max(height, thinnest, Math.round(width / MAX_ASPECT)),
  };
}

/** The activation row or column a picture row or column shows: nearest neighbour, no blending. */
export function sourceCoordinate(picture: number, sourceSize: number, pictureSize: number): number {
  return Math.floor((picture * sourceSize) / pictureSize);
}

export interface GridLayout {
  readonly columns: number;
  readonly tile: Size;
  readonly pitchX: number;
  readonly pitchY: number;
}

export function gridLayout(columns: number, tile: Size): GridLayout {
  return { columns, tile, pitchX: tile.width + GAP, pitchY: tile.height + GAP };
}

/** Size of a picture holding `rows` rows of the layout (no gap after the last row or column). */
export function pictureSize(layout: GridLayout, rows: number): Size {
  return { width: Math.max(0, layout.columns * layout.pitchX - GAP), height: Math.max(0, rows * layout.pitchY - GAP) };
}

export interface TileHit {
  /** Tile index on the picture, row-major from its top-left tile. */
  readonly index: number;
  /** Picture pixel inside the tile. */
  readonly x: number;
  readonly y: number;
}

/** The tile under a picture point, or undefined in a gap or beyond the last column. */
export function tileAt(layout: GridLayout, x: number, y: number): TileHit | undefined {
  if (x < 0 || y < 0) return undefined;
  const column = Math.floor(x / layout.pitchX);
  const row = Math.floor(y / layout.pitchY);
  const tx = Math.floor(x - column * layout.pitchX);
  const ty = Math.floor(y - row * layout.pitchY);
  if (column >= layout.columns || tx >= layout.tile.width || ty >= layout.tile.height) return undefined;
  return { index: row * layout.columns + column, x: tx, y: ty };
}
