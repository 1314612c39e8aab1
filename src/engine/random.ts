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

/** sfc32 seeded from (seed, stream): uniform floats in [0, 1) with 32 bits of state mixing. */
export function streamFor(seed: number, stream: string): () => number {
  let a = hashString(stream, seed);
  let b = hashString(stream, seed ^ 0x9e3779b9);
  let c = hashString(stream, seed ^ 0x85ebca6b);
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still echo the seed words; discard them.
  for (let i = 0; i < 12; i++) next();
  return next;
}
