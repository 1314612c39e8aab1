import { FeatureMapsError } from "../../shared/errors";

export const FORMATS_TEXT = "PNG, JPEG, BMP, GIF or TIFF";

export function unreadable(name: string, why: string): FeatureMapsError {
  return new FeatureMapsError("IMAGE_UNREADABLE", `${name}: ${why}`);
}

export function cutShort(name: string, format: string): FeatureMapsError {
  return unreadable(name, `the ${format} data is cut short (truncated file)`);
}

/** Every size a decoder would allocate for is checked before it does: the header's, and a GIF frame's or a TIFF tile's. */
export function checkMegapixels(name: string, width: number, height: number, maxMegapixels: number, what = ""): void {
  const megapixels = (width * height) / 1e6;
  if (megapixels > maxMegapixels) {
    throw new FeatureMapsError(
      "IMAGE_TOO_LARGE",
      `${name}: ${what}${width}x${height} is ${megapixels.toFixed(1)} megapixels, above the limit of ${maxMegapixels} (featureMaps.maxMegapixels)`,
    );
  }
}
