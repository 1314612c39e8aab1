import * as path from "path";
import { imageSize } from "image-size";
import { Jimp } from "jimp";
import { FeatureMapsError } from "../../shared/errors";
import { DEFAULTS } from "../../shared/choices";
import { readRegularFile } from "../formats/files";
import { decodeGif } from "./gif";
import { checkMegapixels, cutShort, FORMATS_TEXT, unreadable } from "./imageErrors";
import { decodePng } from "./png";
import { decodeJpeg, NO_RGB } from "./jpeg";
import { decodeTiff } from "./tiff";

/** Decoded pixels: 4 bytes (R, G, B, A) a pixel, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const DECODABLE = new Set(["png", "jpg", "bmp", "gif", "tiff"]);

function formatName(type: string): string {
  return type === "jpg" ? "JPEG" : type.toUpperCase();
}

/** The smallest file each format can be; below it the file is cut short for sure. */
const END_MARKERS: Record<string, (bytes: Uint8Array) => boolean> = {
  // IEND chunk: its type and CRC are always the last 8 bytes.
  png: (b) => b.length >= 12 && String.fromCharCode(...b.subarray(b.length - 8, b.length - 4)) === "IEND",
  // EOI marker; some writers pad after it, so look at the last few bytes.
  jpg: (b) => {
    for (let i = b.length - 2; i >= Math.max(0, b.length - 64); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
    return false;
  },
};

/**
 * Reads and decodes an image, refusing from the header alone what is too large to decode
 * safely. Every failure is one line naming the file and the cause.
 */
export async function readImage(file: string, maxMegapixels = DEFAULTS.maxMegapixels): Promise<RgbaImage> {
  return decodeImage(await readRegularFile(file, "image"), path.basename(file), maxMegapixels);
}

/**
 * PNG, GIF, TIFF and JPEG go to their decoders directly, where the sizes, the data's end and the
 * console are under control; BMP, and the CMYK JPEGs libjpeg gives no RGB of, through jimp.
 */
async function decodeAs(type: string, bytes: Uint8Array, name: string, maxMegapixels: number): Promise<RgbaImage> {
  if (type === "png") return decodePng(bytes, name);
  if (type === "jpg") {
    try {
      return await decodeJpeg(bytes);
    } catch (e) {
      if ((e as Error).message !== NO_RGB) throw e;
    }
  }
  if (type === "gif") return decodeGif(bytes, name, maxMegapixels);
  if (type === "tiff") return decodeTiff(bytes, name, maxMegapixels);
  const { bitmap } = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  // Copy out of jimp's Buffer: callers keep this, and pooled Buffers must not travel.
  return { width: bitmap.width, height: bitmap.height, rgba: new Uint8Array(bitmap.data) };
}

function isTiff(b: Uint8Array): boolean {
  return b.byteLength >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42));
}

export async function decodeImage(bytes: Uint8Array, name: string, maxMegapixels = DEFAULTS.maxMegapixels): Promise<RgbaImage> {
  if (bytes.byteLength === 0) throw unreadable(name, "the file is empty");
  let header: { width?: number; height?: number; type?: string };
  try {
    // A TIFF's size is on its page, which may lie anywhere in the file: its decoder checks it,
    // and tells a cut file from a foreign one where image-size cannot.
    header = isTiff(bytes) ? { type: "tiff" } : imageSize(bytes);
  } catch {
    throw unreadable(name, `not a ${FORMATS_TEXT} image`);
  }
  const type = header.type ?? "unknown";
  if (!DECODABLE.has(type)) throw unreadable(name, `${formatName(type)} images are not supported (use ${FORMATS_TEXT})`);
  const { width = 0, height = 0 } = header;
  if (type !== "tiff") {
    if (!(width > 0 && height > 0)) throw unreadable(name, `the ${formatName(type)} header gives no size`);
    checkMegapixels(name, width, height, maxMegapixels);
  }
  const complete = END_MARKERS[type];
  if (complete && !complete(bytes)) throw cutShort(name, formatName(type));
  try {
    return await decodeAs(type, bytes, name, maxMegapixels);
  } catch (e) {
    if (e instanceof FeatureMapsError) throw e;
    // utif2 throws strings and numbers as well as Errors.
    const why = e instanceof Error ? e.message : String(e);
    throw unreadable(name, `the ${formatName(type)} data cannot be decoded (${why.split("\n")[0]})`);
  }
}
