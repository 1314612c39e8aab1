// How alike two maps of the same size are. Sums run in float64 over the positions where both
// values are finite (a NaN or an infinity on either side leaves that position out).
//
// Conventions (docs/FIDELITY.md#compare):
// - cosine: two all-zero maps are the same map (1); one all-zero map against another has nothing
//   in common with it (0);
// - correlation: undefined (NaN, shown as "—") when either map is constant, as numpy's corrcoef;
// - order: lowest cosine first (the channels that changed most), ties by channel index.

export interface Similarity {
  readonly cosine: number;
  readonly correlation: number;
}

function clampUnit(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

export function similarity(a: Float32Array, b: Float32Array): Similarity {
  let n = 0;
  let sumA = 0;
  let sumB = 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let minA = Infinity;
  let maxA = -Infinity;
  let minB = Infinity;
  let maxB = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n++;
    sumA += x;
    sumB += y;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    if (x < minA) minA = x;
    if (x > maxA) maxA = x;
    if (y < minB) minB = y;
    if (y > maxB) maxB = y;
  }
  let cosine: number;
  if (normA === 0 && normB === 0) cosine = 1;
  else if (normA === 0 || normB === 0) cosine = 0;
  else cosine = clampUnit(dot / (Math.sqrt(normA) * Math.sqrt(normB)));
  // Constant maps (min = max) have no correlation; tested on the values, not on a variance that
  // rounding leaves slightly above 0.
  if (n === 0 || minA === maxA || minB === maxB) return { cosine, correlation: NaN };
  const meanA = sumA / n;
  const meanB = sumB / n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    cov += (x - meanA) * (y - meanB);
    varA += (x - meanA) * (x - meanA);
    varB += (y - meanB) * (y - meanB);
  }
  return { cosine, correlation: clampUnit(cov / Math.sqrt(varA * varB)) };
}

/** Channel indices, least similar first: ascending cosine, ties by index. */
export function similarityOrder(cosine: Float64Array): Int32Array {
  const order = Array.from({ length: cosine.length }, (_, i) => i).sort((x, y) => cosine[x] - cosine[y] || x - y);
  return Int32Array.from(order);
}
