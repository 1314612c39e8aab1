import { COLORMAP_DATA, COLORMAP_NAMES, type ColormapName, type LutName } from "./colormapData";
import { maskCode, NON_FINITE_KINDS, type NonFiniteKind } from "./nonFinite";

export { COLORMAP_NAMES, type ColormapName, type LutName };

export const DIVERGING_COLORMAP: ColormapName = "coolwarm";

/**
 * Where a map holds NaN or an infinity. Pure, saturated colours far from every entry of every
 * colormap (a test holds them to it): white and black would pass for the ends of gray, and a
 * colour inside a colormap for a value.
 */
export const NON_FINITE_RGB: Readonly<Record<NonFiniteKind, readonly [number, number, number]>> = Object.freeze({
  nan: [255, 0, 255],
  posInf: [0, 255, 0],
  negInf: [0, 0, 255],
});

/** Entries of a lookup table: the colormap's 256, then one per non-finite kind. */
export const LUT_ENTRIES = 256 + NON_FINITE_KINDS.length;

/** The lookup-table entry of a pixel: its byte, or past the colormap's 256 where its mask code is set. */
export function lutIndex(byte: number, maskCode: number): number {
  return maskCode === 0 ? byte : 255 + maskCode;
}

const cache = new Map<LutName, Uint8Array>();

/** The colormap as LUT_ENTRIES RGB triples: its 256 colours, then NON_FINITE_RGB in NON_FINITE_KINDS order. */
export function colormapLut(name: LutName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    const hex = COLORMAP_DATA[name];
    const made = new Uint8Array(LUT_ENTRIES * 3);
    for (let i = 0; i < 256 * 3; i++) made[i] = parseInt(hex.substr(i * 2, 2), 16);
    for (const kind of NON_FINITE_KINDS) made.set(NON_FINITE_RGB[kind], lutIndex(0, maskCode(kind)) * 3);
    cache.set(name, made);
    lut = made;
  }
  return lut;
}

export function isColormapName(value: unknown): value is ColormapName {
  return typeof value === "string" && (COLORMAP_NAMES as readonly string[]).includes(value);
}

/**
 * Colours an 8-bit tile into RGBA pixels at (x0, y0) of a larger RGBA canvas of the given width;
 * where the tile's mask (LayerReply.nonFinite) is set, in the fixed colour of that kind instead.
 */
export function paintTile(
  tile: Uint8Array,
  tileWidth: number,
  tileHeight: number,
  lut: Uint8Array,
  canvas: Uint8ClampedArray,
  canvasWidth: number,
  x0: number,
  y0: number,
  mask?: Uint8Array,
): void {
  for (let y = 0; y < tileHeight; y++) {
    let o = ((y0 + y) * canvasWidth + x0) * 4;
    let t = y * tileWidth;
    for (let x = 0; x < tileWidth; x++, t++, o += 4) {
      const c = lutIndex(tile[t], mask ? mask[t] : 0) * 3;
      canvas[o] = lut[c];
      canvas[o + 1] = lut[c + 1];
      canvas[o + 2] = lut[c + 2];
      canvas[o + 3] = 255;
    }
  }
}
