import * as zlib from "zlib";
import { PNG, type PNGWithMetadata } from "pngjs";
import type { RgbaImage } from "./decode";
import { unreadable } from "./imageErrors";

// cv2.imread(IMREAD_COLOR) has libpng strip 16-bit samples to their high byte (png_set_strip_16),
// widen 1/2/4-bit grey by bit replication, and drop alpha without touching the colour. pngjs
// instead rounds 16-bit samples (v * 255 / 65535, a different byte for about a quarter of the
// values) and paints the tRNS colour's pixels black. So pngjs is asked for the stored samples
// (skipRescale) and they are narrowed here the way libpng does.

/** The colour of the pixels tRNS marks transparent, which pngjs zeroes; pngjs reports it but its types do not. */
type DecodedPng = PNGWithMetadata & { readonly transColor?: readonly number[] };

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs bounds what it inflates to the image's size, except for interlaced images, where a 1 MB
 * file can unpack to gigabytes. Their compressed data is tried within its size first: each of
 * Adam7's 7 passes adds at most a filter byte and a partly used byte to each row.
 */
function checkInterlacedSize(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 33 || bytes[28] !== 1) return;
  const [width, height, depth, colorType] = [view.getUint32(16), view.getUint32(20), bytes[24], bytes[25]];
  const bound = height * (Math.ceil((width * depth * (CHANNELS[colorType] ?? 4)) / 8) + 14) + 64;
  const data: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.byteLength; at += 12 + view.getUint32(at)) {
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === "IDAT") data.push(bytes.subarray(at + 8, at + 8 + view.getUint32(at)));
  }
  try {
    zlib.inflateSync(Buffer.concat(data), { maxOutputLength: bound });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw unreadable(name, `the PNG data unpacks to more than the ${bound} bytes its size needs`);
  }
}

export function decodePng(bytes: Uint8Array, name: string): RgbaImage {
  checkInterlacedSize(bytes, name);
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true }) as DecodedPng;
  const { width, height, depth, transColor } = png;
  // With skipRescale, 16-bit samples arrive as a Uint16Array and palette images as 8-bit RGBA.
  const samples: ArrayLike<number> = png.data;
  const keepColour = transColor && !png.palette ? transColor : undefined;
  // Most PNGs: 8-bit samples, nothing to narrow or restore.
  if (depth === 8 && keepColour === undefined) return { width, height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  const toByte = depth === 16 ? (v: number) => v >> 8 : depth < 8 && !png.palette ? (v: number) => (v * 255) / ((1 << depth) - 1) : (v: number) => v;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < rgba.length; p += 4) {
    const restore = keepColour !== undefined && samples[p + 3] === 0;
    for (let c = 0; c < 3; c++) rgba[p + c] = toByte(restore ? keepColour[png.color ? c : 0] : samples[p + c]);
    rgba[p + 3] = toByte(samples[p + 3]);
  }
  return { width, height, rgba };
}
