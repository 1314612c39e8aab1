import type { RgbaImage } from "./image";

// Bilinear resize with OpenCV's INTER_LINEAR geometry: pixel centres aligned (src = (dst + 0.5)
// * scale - 0.5), edges clamped, and no anti-aliasing when shrinking (only the 2x2 neighbours
// count, so downscaling aliases just as cv2.resize does). OpenCV computes in 11-bit fixed point;
// here it is float and rounded, which stays within 1/255 of it.

interface Taps {
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

function taps(dst: number, src: number): Taps {
  const index = new Int32Array(dst);
  const weight = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    const f = (d + 0.5) * scale - 0.5;
    let i = Math.floor(f);
    let w = f - i;
    if (i < 0) {
      i = 0;
      w = 0;
    }
    if (i >= src - 1) {
      i = src - 1;
      w = 0;
    }
    index[d] = i;
    weight[d] = w;
  }
  return { index, weight };
}

export function resizeBilinear(image: RgbaImage, width: number, height: number): RgbaImage {
  const { width: sw, height: sh, rgba: src } = image;
  const out = new Uint8Array(width * height * 4);
  const xs = taps(width, sw);
  const ys = taps(height, sh);
  for (let y = 0; y < height; y++) {
    const y0 = ys.index[y];
    const wy = ys.weight[y];
    const row0 = y0 * sw * 4;
    const row1 = Math.min(y0 + 1, sh - 1) * sw * 4;
    for (let x = 0; x < width; x++) {
      const x0 = xs.index[x];
      const wx = xs.weight[x];
      const c0 = x0 * 4;
      const c1 = Math.min(x0 + 1, sw - 1) * 4;
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) {
        const top = src[row0 + c0 + c] * (1 - wx) + src[row0 + c1 + c] * wx;
        const bottom = src[row1 + c0 + c] * (1 - wx) + src[row1 + c1 + c] * wx;
        out[o + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, rgba: out };
}
