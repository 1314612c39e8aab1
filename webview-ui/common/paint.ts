import { lutIndex } from "../../src/shared/colormaps";
import { type Size, sourceCoordinate } from "./tileGeometry";

/** What is painted into: an ImageData, or anything laid out like one. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

const packed = new WeakMap<Uint8Array, Uint32Array>();

/**
 * The lookup table as one opaque RGBA word per entry, so a pixel is a single write. Built
 * through a byte view of the words, so the byte order in memory is RGBA on any endianness.
 */
function rgbaWords(lut: Uint8Array): Uint32Array {
  let words = packed.get(lut);
  if (!words) {
    const entries = lut.length / 3;
    words = new Uint32Array(entries);
    const bytes = new Uint8Array(words.buffer);
    for (let i = 0; i < entries; i++) {
      bytes.set(lut.subarray(i * 3, i * 3 + 3), i * 4);
      bytes[i * 4 + 3] = 255;
    }
    packed.set(lut, words);
  }
  return words;
}

function pixels(image: RgbaImage): Uint32Array {
  return new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
}

/**
 * Colours an 8-bit map into a rectangle of an RGBA image, scaling by nearest neighbour only: every
 * picture pixel is exactly the lookup-table colour of one activation byte, so a snapshot's pixels
 * can be checked against the tile bytes. Where the map's mask (LayerReply.nonFinite) is set, the
 * colour is that non-finite kind's instead.
 */
export function paintScaled(
  bytes: Uint8Array,
  map: Size,
  lut: Uint8Array,
  image: RgbaImage,
  x0: number,
  y0: number,
  size: Size,
  mask?: Uint8Array,
): void {
  const colours = rgbaWords(lut);
  const out = pixels(image);
  const columns = new Int32Array(size.width);
  for (let x = 0; x < size.width; x++) columns[x] = sourceCoordinate(x, map.width, size.width);
  let previous = -1;
  for (let y = 0; y < size.height; y++) {
    const source = sourceCoordinate(y, map.height, size.height);
    const o = (y0 + y) * image.width + x0;
    // An enlarged map repeats each source row: copy the row above instead of colouring it again.
    if (source === previous) {
      out.copyWithin(o, o - image.width, o - image.width + size.width);
      continue;
    }
    previous = source;
    const row = source * map.width;
    // Only maps holding NaN or an infinity have a mask; the others keep the plain loop.
    if (mask) {
      for (let x = 0; x < size.width; x++) {
        const s = row + columns[x];
        out[o + x] = colours[lutIndex(bytes[s], mask[s])];
      }
    } else {
      for (let x = 0; x < size.width; x++) out[o + x] = colours[bytes[row + columns[x]]];
    }
  }
}

/** Makes a rectangle of an RGBA image transparent again (a reused image, a tile not arrived). */
export function clearRect(image: RgbaImage, x0: number, y0: number, size: Size): void {
  const out = pixels(image);
  for (let y = y0; y < y0 + size.height; y++) out.fill(0, y * image.width + x0, y * image.width + x0 + size.width);
}
