import type { Picture } from "../../shared/protocol";
import type { RgbaImage } from "./decode";
import { resizeBilinear } from "./resize";

/** The original is shown as a thumbnail 72 px high: 256 px stays sharp on high-DPI screens and keeps `loaded` small. */
const DISPLAY_MAX_SIDE = 256;

export function picture(image: RgbaImage): Picture {
  return { width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength) };
}

/** The model's 3 input planes shown as an RGB picture, so a BGR model's view looks blue-shifted, as it is. */
export function planesPicture(planes: Uint8Array, width: number, height: number): Picture {
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = planes[i];
    rgba[i * 4 + 1] = planes[n + i];
    rgba[i * 4 + 2] = planes[2 * n + i];
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

export function displayCopy(image: RgbaImage): RgbaImage {
  const scale = Math.min(1, DISPLAY_MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  let current = image;
  // Exact halvings average 2x2 blocks; one big bilinear step would alias a large photo.
  while (current.width >= 2 * width && current.height >= 2 * height) {
    current = resizeBilinear(current, Math.ceil(current.width / 2), Math.ceil(current.height / 2));
  }
  return current.width === width && current.height === height ? current : resizeBilinear(current, width, height);
}
