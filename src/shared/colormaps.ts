import { COLORMAP_DATA, COLORMAP_NAMES, type ColormapName } from "./colormapData";

export { COLORMAP_NAMES, type ColormapName };

export const DIVERGING_COLORMAP: ColormapName = "coolwarm";

const cache = new Map<ColormapName, Uint8Array>();

/** The colormap as 256 RGB triples. */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    const hex = COLORMAP_DATA[name];
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < lut.length; i++) lut[i] = parseInt(hex.substr(i * 2, 2), 16);
    cache.set(name, lut);
  }
  return lut;
}

export function isColormapName(value: unknown): value is ColormapName {
  return typeof value === "string" && (COLORMAP_NAMES as readonly string[]).includes(value);
}

/** Colours an 8-bit tile into RGBA pixels at (x0, y0) of a larger RGBA canvas of the given width. */
export function paintTile(
  tile: Uint8Array,
  tileWidth: number,
  tileHeight: number,
  lut: Uint8Array,
  canvas: Uint8ClampedArray,
  canvasWidth: number,
  x0: number,
  y0: number,
): void {
  for (let y = 0; y < tileHeight; y++) {
    let o = ((y0 + y) * canvasWidth + x0) * 4;
    let t = y * tileWidth;
    for (let x = 0; x < tileWidth; x++, t++, o += 4) {
      const c = tile[t] * 3;
      canvas[o] = lut[c];
      canvas[o + 1] = lut[c + 1];
      canvas[o + 2] = lut[c + 2];
      canvas[o + 3] = 255;
    }
  }
}
