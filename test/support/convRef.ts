// Plain convolution for expected values of tiny test models: NCHW, batch 1, one group, square
// padding; sums in float64.

export function conv2d(x: ArrayLike<number>, [c, h, w]: readonly number[], weight: ArrayLike<number>, [m, , kh, kw]: readonly number[], bias: ArrayLike<number> | undefined, pad: number): Float64Array {
  const [oh, ow] = [h + 2 * pad - kh + 1, w + 2 * pad - kw + 1];
  const out = new Float64Array(m * oh * ow);
  for (let o = 0; o < m; o++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        let sum = bias ? bias[o] : 0;
        for (let k = 0; k < c; k++) {
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const [sy, sx] = [y + i - pad, xx + j - pad];
              if (sy < 0 || sx < 0 || sy >= h || sx >= w) continue;
              sum += x[(k * h + sy) * w + sx] * weight[((o * c + k) * kh + i) * kw + j];
            }
          }
        }
        out[(o * oh + y) * ow + xx] = sum;
      }
    }
  }
  return out;
}

/** Asserts |a - e| <= abs + rel * |e| everywhere, naming the first index that is not. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, abs: number, rel: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= abs + rel * Math.abs(expected[i]))) throw new Error(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}
