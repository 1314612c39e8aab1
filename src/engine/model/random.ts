// A small seeded generator so that `--seed N` gives the same weights on every machine and in
// every process. Each tensor gets its own stream derived from (seed, name): editing one layer of
// a config leaves every other layer's weights unchanged.

function hashString(text: string, seed: number): number {
  // FNV-1a over UTF-16 code units, mixed with the seed.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Fills `out` with U(-bound, bound) from sfc32 seeded by (seed, stream). The generator is inlined
 * in one loop because the built-in model draws 15 million values on every cold start.
 */
export function fillUniform(out: Float32Array, bound: number, seed: number, stream: string): void {
  let a = hashString(stream, seed) | 0;
  let b = hashString(stream, seed ^ 0x9e3779b9) | 0;
  let c = hashString(stream, seed ^ 0x85ebca6b) | 0;
  let d = 1;
  const scale = (2 * bound) / 4294967296;
  // The first outputs of sfc32 still echo the seed words; discard them.
  for (let i = -12; i < out.length; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    if (i >= 0) out[i] = (t >>> 0) * scale - bound;
  }
}
