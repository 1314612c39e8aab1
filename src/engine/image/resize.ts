import type { RgbaImage } from "./decode";

// cv2.resize(..., interpolation=INTER_LINEAR) on 8-bit images, bit for bit: OpenCV 4 does not
// interpolate in float but with 11-bit fixed-point weights, clamps columns and rows differently
// at the borders, and for an exact 2x shrink uses INTER_AREA instead. The notebook's model saw those
// bytes, so they are reproduced here (test/reference/README.md states the rule; resize tests
// compare with OpenCV's output).

const COEF_SCALE = 2048;

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface Axis {
  readonly index0: Int32Array;
  readonly index1: Int32Array;
  readonly weight0: Int32Array;
  readonly weight1: Int32Array;
}

/** Source taps and weights along one axis; columns clamp the fraction at the edges, rows do not. */
function axis(dst: number, src: number, clampFraction: boolean): Axis {
  const scale = 1 / (dst / src);
  const out: Axis = { index0: new Int32Array(dst), index1: new Int32Array(dst), weight0: new Int32Array(dst), weight1: new Int32Array(dst) };
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampFraction) {
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= src - 1) {
        s = src - 1;
        f = 0;
      }
    }
    out.index0[d] = Math.min(Math.max(s, 0), src - 1);
    out.index1[d] = Math.min(Math.max(s + 1, 0), src - 1);
    out.weight0[d] = roundHalfEven(Math.fround(Math.fround(1 - f) * COEF_SCALE));
    out.weight1[d] = roundHalfEven(Math.fround(f * COEF_SCALE));
  }
  return out;
}

function halve(image: RgbaImage, width: number, height: number): RgbaImage {
  const { width: sw, rgba: src } = image;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = ((2 * y) * sw + 2 * x) * 4;
      const b = a + sw * 4;
      for (let c = 0; c < 4; c++) out[(y * width + x) * 4 + c] = (src[a + c] + src[a + 4 + c] + src[b + c] + src[b + 4 + c] + 2) >> 2;
    }
  }
  return { width, height, rgba: out };
}

export function resizeBilinear(image: RgbaImage, width: number, height: number): RgbaImage {
  const { width: sw, height: sh, rgba: src } = image;
  if (sw === 2 * width && sh === 2 * height) return halve(image, width, height);
  const xs = axis(width, sw, true);
  const ys = axis(height, sh, false);
  // Horizontal pass per source row, computed once per row that some output row reads.
  const rows = new Map<number, Int32Array>();
  const horizontal = (sy: number): Int32Array => {
    let row = rows.get(sy);
    if (!row) {
      row = new Int32Array(width * 4);
      const base = sy * sw * 4;
      for (let x = 0; x < width; x++) {
        const p0 = base + xs.index0[x] * 4;
        const p1 = base + xs.index1[x] * 4;
        for (let c = 0; c < 4; c++) row[x * 4 + c] = src[p0 + c] * xs.weight0[x] + src[p1 + c] * xs.weight1[x];
      }
      rows.set(sy, row);
    }
    return row;
  };
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const h0 = horizontal(ys.index0[y]);
    const h1 = horizontal(ys.index1[y]);
    const b0 = ys.weight0[y];
    const b1 = ys.weight1[y];
    for (let i = 0, o = y * width * 4; i < width * 4; i++, o++) {
      const v = (((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16) + 2) >> 2;
      out[o] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, rgba: out };
}
