import { type Size, sourceCoordinate } from "./tileGeometry";

/**
 * Colours an 8-bit map into a rectangle of an RGBA image, scaling by nearest neighbour only: every
 * picture pixel is exactly the lookup-table colour of one activation byte, so a snapshot's pixels
 * can be checked against the tile bytes.
 */
export function paintScaled(bytes: Uint8Array, map: Size, lut: Uint8Array, image: ImageData, x0: number, y0: number, size: Size): void {
  const columns = new Int32Array(size.width);
  for (let x = 0; x < size.width; x++) columns[x] = sourceCoordinate(x, map.width, size.width);
  const out = image.data;
  for (let y = 0; y < size.height; y++) {
    const row = sourceCoordinate(y, map.height, size.height) * map.width;
    let o = ((y0 + y) * image.width + x0) * 4;
    for (let x = 0; x < size.width; x++, o += 4) {
      const c = bytes[row + columns[x]] * 3;
      out[o] = lut[c];
      out[o + 1] = lut[c + 1];
      out[o + 2] = lut[c + 2];
      out[o + 3] = 255;
    }
  }
}
