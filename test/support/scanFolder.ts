import { promises as fs } from "fs";
import * as path from "path";
import { Jimp } from "jimp";
import { FIXTURES, SAMPLE_IMAGE } from "./paths";

/** mulberry32: a small seeded PRNG, so a generated folder is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOURCES = [SAMPLE_IMAGE, path.join(FIXTURES, "images", "astronaut.png"), path.join(FIXTURES, "images", "grace_hopper.jpg")];

/**
 * `count` PNGs made from the sample images by random crops (`minSide` to `maxSide` pixels) and
 * flips, spread over a few subfolders; their relative paths, sorted.
 */
export async function generateScanFolder(dir: string, count: number, seed = 1, minSide = 48, maxSide = 128): Promise<string[]> {
  const random = seededRandom(seed);
  const sources = await Promise.all(SOURCES.map((s) => Jimp.read(s)));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const source = sources[Math.floor(random() * sources.length)];
    const { width, height } = source.bitmap;
    const w = Math.floor(minSide + random() * (maxSide - minSide));
    const h = Math.floor(minSide + random() * (maxSide - minSide));
    const x = Math.floor(random() * (width - w));
    const y = Math.floor(random() * (height - h));
    const image = source.clone().crop({ x, y, w, h });
    if (random() < 0.5) image.flip({ horizontal: true, vertical: false });
    if (random() < 0.2) image.flip({ horizontal: false, vertical: true });
    const rel = `part${i % 4}/img${String(i).padStart(4, "0")}.png`;
    await fs.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), await image.getBuffer("image/png"));
    paths.push(rel);
  }
  return paths.sort();
}
