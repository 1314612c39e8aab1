// A class activation map turned into a picture over the image, as pytorch-grad-cam's
// scale_cam_image + show_cam_on_image do it: pure, so the webview re-renders the overlay from the
// raw map when only the opacity or the colormap changes, and the CLI writes the same pixels.

/**
 * Bilinear resampling of a [h, w] map to [outH, outW]. `alignCorners` as torch's
 * UpsamplingBilinear2d (Score-CAM's masks); without it, pixel centres as cv2.resize and
 * torch's interpolate(align_corners=False) (the overlay).
 */
export function resizeMap(map: ArrayLike<number>, h: number, w: number, outH: number, outW: number, alignCorners: boolean): Float32Array {
  const out = new Float32Array(outH * outW);
  const source = (d: number, outSize: number, inSize: number): number => {
    if (alignCorners) return outSize > 1 ? (d * (inSize - 1)) / (outSize - 1) : 0;
    return Math.min(Math.max((d + 0.5) * (inSize / outSize) - 0.5, 0), inSize - 1);
  };
  for (let y = 0; y < outH; y++) {
    const sy = source(y, outH, h);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = source(x, outW, w);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
      const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** The map scaled to [0, 1]: minus its minimum, over its maximum (scale_cam_image's 1e-7 guard kept). */
export function scaleCam(map: ArrayLike<number>): Float32Array {
  let min = Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] < min) min = map[i];
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] - min > max) max = map[i] - min;
  return Float32Array.from(map, (v) => (v - min) / (1e-7 + max));
}

/**
 * The image with the scaled map over it: a colour from the 256-entry RGB `lut` per pixel, blended
 * as (1 - opacity) * image + opacity * colour, then divided by the largest value as
 * show_cam_on_image does. `image` and the result are RGBA of the same size as `scaled`.
 */
export function overlayCam(image: Uint8Array, scaled: Float32Array, lut: Uint8Array, opacity: number): Uint8ClampedArray {
  const n = scaled.length;
  const blended = new Float32Array(n * 3);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const entry = Math.min(255, Math.max(0, Math.floor(255 * scaled[i]))) * 3;
    for (let c = 0; c < 3; c++) {
      const v = (1 - opacity) * (image[i * 4 + c] / 255) + opacity * (lut[entry + c] / 255);
      blended[i * 3 + c] = v;
      if (v > peak) peak = v;
    }
  }
  const out = new Uint8ClampedArray(n * 4);
  const scale = peak > 0 ? 255 / peak : 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.floor(blended[i * 3 + c] * scale);
    out[i * 4 + 3] = 255;
  }
  return out;
}
