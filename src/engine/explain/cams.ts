// Class activation maps from a layer's activations A and the score's gradient G, both [C, H, W]
// of one image, with pytorch-grad-cam's formulas. Each returns the raw map [H, W]: no
// normalisation and no upsampling, which the view does.

export interface Maps {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

function weighted(a: Maps, weights: Float64Array): Float32Array {
  const area = a.height * a.width;
  const sum = new Float64Array(area);
  for (let k = 0; k < a.channels; k++) {
    const wk = weights[k];
    if (wk === 0) continue;
    const base = k * area;
    for (let i = 0; i < area; i++) sum[i] += wk * a.data[base + i];
  }
  return Float32Array.from(sum, (v) => Math.max(0, v));
}

function checkSame(a: Maps, g: Maps): void {
  if (a.channels !== g.channels || a.height !== g.height || a.width !== g.width) {
    throw new Error(`activations [${a.channels}, ${a.height}, ${a.width}] and gradient [${g.channels}, ${g.height}, ${g.width}] differ`);
  }
}

/** Grad-CAM: w_k = mean_ij dS/dA_kij, cam = ReLU(sum_k w_k A_k). */
export function gradCam(a: Maps, g: Maps): Float32Array {
  checkSame(a, g);
  const area = a.height * a.width;
  const weights = new Float64Array(a.channels);
  for (let k = 0; k < a.channels; k++) {
    let s = 0;
    for (let i = 0; i < area; i++) s += g.data[k * area + i];
    weights[k] = s / area;
  }
  return weighted(a, weights);
}

/** HiResCAM: ReLU(sum_k dS/dA_k * A_k), element-wise. */
export function hiResCam(a: Maps, g: Maps): Float32Array {
  checkSame(a, g);
  const area = a.height * a.width;
  const sum = new Float64Array(area);
  for (let k = 0; k < a.channels; k++) {
    for (let i = 0; i < area; i++) sum[i] += g.data[k * area + i] * a.data[k * area + i];
  }
  return Float32Array.from(sum, (v) => Math.max(0, v));
}

/**
 * Grad-CAM++ (Chattopadhyay et al., eq. 19, as pytorch-grad-cam computes it):
 * alpha = g^2 / (2 g^2 + sum_ij(A_k) g^3 + eps), zero where g = 0; w_k = sum_ij ReLU(g) alpha.
 */
export function gradCamPlusPlus(a: Maps, g: Maps): Float32Array {
  checkSame(a, g);
  const area = a.height * a.width;
  const eps = 1e-6;
  const weights = new Float64Array(a.channels);
  for (let k = 0; k < a.channels; k++) {
    let activationSum = 0;
    for (let i = 0; i < area; i++) activationSum += a.data[k * area + i];
    let wk = 0;
    for (let i = 0; i < area; i++) {
      const gi = g.data[k * area + i];
      if (gi === 0) continue;
      const g2 = gi * gi;
      const alpha = g2 / (2 * g2 + activationSum * g2 * gi + eps);
      wk += Math.max(gi, 0) * alpha;
    }
    weights[k] = wk;
  }
  return weighted(a, weights);
}

/**
 * EigenCAM: the (H*W) x C activations, each channel centred, projected on their first right
 * singular vector (pytorch-grad-cam's get_2d_projection). The singular vector's sign is
 * arbitrary, and a projection of centred data always sums to zero, so "sums positive" cannot
 * choose it: the map is turned to correlate positively with the channels' mean activation, so it
 * is high where the layer fires.
 */
export function eigenCam(a: Maps): Float32Array {
  const area = a.height * a.width;
  const c = a.channels;
  const centred = new Float64Array(area * c);
  for (let k = 0; k < c; k++) {
    let mean = 0;
    for (let i = 0; i < area; i++) mean += a.data[k * area + i];
    mean /= area;
    for (let i = 0; i < area; i++) centred[i * c + k] = a.data[k * area + i] - mean;
  }
  const v = firstRightSingularVector(centred, area, c);
  const map = new Float64Array(area);
  let agreement = 0;
  for (let i = 0; i < area; i++) {
    let s = 0;
    let fired = 0;
    for (let k = 0; k < c; k++) {
      s += centred[i * c + k] * v[k];
      fired += centred[i * c + k];
    }
    map[i] = s;
    agreement += s * fired;
  }
  const sign = agreement < 0 ? -1 : 1;
  return Float32Array.from(map, (x) => sign * x);
}

/**
 * The top right singular vector of the rows x cols matrix M: the top eigenvector of M^T M by
 * power iteration on the smaller Gram matrix (M M^T when rows < cols).
 */
function firstRightSingularVector(m: Float64Array, rows: number, cols: number): Float64Array {
  const useRows = rows < cols;
  const n = useRows ? rows : cols;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      if (useRows) for (let k = 0; k < cols; k++) s += m[i * cols + k] * m[j * cols + k];
      else for (let k = 0; k < rows; k++) s += m[k * cols + i] * m[k * cols + j];
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  }
  let v = new Float64Array(n).map((_, i) => 1 + i / n);
  for (let iter = 0; iter < 1000; iter++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += gram[i * n + j] * v[j];
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return new Float64Array(cols);
    let change = 0;
    for (let i = 0; i < n; i++) {
      next[i] /= norm;
      change = Math.max(change, Math.abs(next[i] - v[i]));
    }
    v = next;
    if (change < 1e-12) break;
  }
  if (!useRows) return v;
  // u is M's left vector; the right one is M^T u, normalised.
  const right = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += m[i * cols + k] * v[i];
    right[k] = s;
  }
  const norm = Math.hypot(...right);
  return norm === 0 ? right : right.map((x) => x / norm);
}
