import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { ENGINE_OVERHEAD_MB, EngineClient } from "../../../../src/engine/run/engineClient";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import { ENGINE_PROCESS, FIXTURES, SAMPLE_IMAGE } from "../../../support/paths";

const IMAGES = 50;
const SIZES = [64, 100, 160] as const;
const REQUESTS = 500;
const BUDGET_MB = 256;

/** A small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("a soak of the inference process", () => {
  let dir: string;
  const images: string[] = [];
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-soak-"));
    const next = random(7);
    const sources = [SAMPLE_IMAGE, path.join(FIXTURES, "images", "astronaut.png"), path.join(FIXTURES, "images", "grace_hopper.jpg")];
    const decoded = await Promise.all(sources.map((s) => Jimp.read(s)));
    for (let i = 0; i < IMAGES; i++) {
      const image = decoded[i % decoded.length].clone();
      const w = Math.round(image.width * (0.4 + 0.6 * next()));
      const h = Math.round(image.height * (0.4 + 0.6 * next()));
      image.crop({ x: Math.floor(next() * (image.width - w)), y: Math.floor(next() * (image.height - h)), w, h });
      if (next() < 0.5) image.flip({ horizontal: true, vertical: false });
      const file = path.join(dir, `soak-${i}.png`);
      await image.write(file as `${string}.png`);
      images.push(file);
    }
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it(`answers ${REQUESTS} requests over ${IMAGES} images and ${SIZES.length} sizes, none hanging, within the memory budget`, async () => {
    const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu", memoryBudgetMB: BUDGET_MB }, undefined, { timeoutMs: 60_000 });
    const next = random(11);
    let peak = 0;
    try {
      for (let i = 0; i < REQUESTS; i += 4) {
        // Four in flight at a time, as a panel's grid, hover and prefetch make them.
        await Promise.all(
          Array.from({ length: Math.min(4, REQUESTS - i) }, (_, k) => {
            const size = SIZES[Math.floor(next() * SIZES.length)];
            const analyze = { input: { image: images[(i + k) % IMAGES] }, model: BUILTIN_MODEL, preprocessing: { height: size, width: size } };
            const pick = next();
            if (pick < 0.4) return client.call("analyze", { analyze });
            if (pick < 0.8) {
              const layer = `features.${Math.floor(next() * 52)}`;
              return client.call("layer", { analyze, request: { layer, start: 0, count: 16, order: "mean", normalize: "layer", clipPercent: 1 } });
            }
            return client.call("channel", { analyze, layer: "features.30", channel: Math.floor(next() * 512) });
          }),
        );
        if (i % 40 === 0) peak = Math.max(peak, (await client.call("status", {})).rssBytes);
      }
      peak = Math.max(peak, (await client.call("status", {})).rssBytes);
    } finally {
      client.stop();
    }
    const peakMB = peak / 2 ** 20;
    assert.ok(peakMB < BUDGET_MB + ENGINE_OVERHEAD_MB, `resident memory reached ${peakMB.toFixed(0)} MB, over ${BUDGET_MB} + ${ENGINE_OVERHEAD_MB}`);
  });
});
