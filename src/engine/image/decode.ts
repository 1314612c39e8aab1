import { promises as fs } from "fs";
import * as path from "path";
import { imageSize } from "image-size";
import { Jimp } from "jimp";
import { FeatureMapsError } from "../../shared/errors";
import { DEFAULTS } from "../../shared/choices";

/** Decoded pixels: 4 bytes (R, G, B, A) a pixel, row-major. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}



const DECODABLE = new Set(["png", "jpg", "bmp", "gif", "tiff"]);
const FORMATS_TEXT = "PNG, JPEG, BMP, GIF or TIFF";

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
  const name = path.basename(file);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: cannot read the file (${code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a folder" : (e as Error).message})`);
  }
  return decodeImage(bytes, name, maxMegapixels);
}

export async function decodeImage(bytes: Uint8Array, name: string, maxMegapixels = DEFAULTS.maxMegapixels): Promise<RgbaImage> {
  if (bytes.byteLength === 0) throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: the file is empty`);
  let header: { width?: number; height?: number; type?: string };
  try {
    header = imageSize(bytes);
  } catch {
    throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: not a ${FORMATS_TEXT} image`);
  }
  const type = header.type ?? "unknown";
  if (!DECODABLE.has(type)) throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: ${formatName(type)} images are not supported (use ${FORMATS_TEXT})`);
  const { width = 0, height = 0 } = header;
  if (!(width > 0 && height > 0)) throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: the ${formatName(type)} header gives no size`);
  const megapixels = (width * height) / 1e6;
  if (megapixels > maxMegapixels) {
    throw new FeatureMapsError(
      "IMAGE_TOO_LARGE",
      `${name}: ${width}x${height} is ${megapixels.toFixed(1)} megapixels, above the limit of ${maxMegapixels} (featureMaps.maxMegapixels)`,
    );
  }
  const complete = END_MARKERS[type];
  if (complete && !complete(bytes)) throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: the ${formatName(type)} data is cut short (truncated file)`);
  let decoded: { bitmap: { width: number; height: number; data: Buffer } };
  try {
    decoded = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new FeatureMapsError("IMAGE_UNREADABLE", `${name}: the ${formatName(type)} data cannot be decoded (${String((e as Error).message ?? e).split("\n")[0]})`);
  }
  const { bitmap } = decoded;
  // Copy out of jimp's Buffer: callers keep this, and pooled Buffers must not travel.
  return { width: bitmap.width, height: bitmap.height, rgba: new Uint8Array(bitmap.data) };
}
