import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { FeatureMapsEngine, type ScanRequest } from "../../../../src/engine/engine";
import { scanCsv, scanJson } from "../../../../src/engine/scan/export";
import type { ScanHit } from "../../../../src/shared/scan";
import { generateScanFolder } from "../../../support/scanFolder";
import { within } from "../../../support/hostileFiles";

const MODEL = { kind: "builtin", weights: { seed: 0 } } as const;
const LAYER = "features.3";
const TOP = 4;
/** Batched and single runs of onnxruntime agree to float32 rounding, not bit for bit. */
const TOLERANCE = 1e-5;

let dir: string;
let paths: string[];
let engine: FeatureMapsEngine;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-"));
  paths = await generateScanFolder(dir, 40);
  // Not an image though it is named like one: listed, not fatal.
  await fs.writeFile(path.join(dir, "part0", "broken.png"), Buffer.from("this is no PNG"));
  engine = new FeatureMapsEngine({ provider: "cpu" });
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const request = (extra: Partial<ScanRequest> = {}): ScanRequest => ({ folder: dir, model: MODEL, layer: LAYER, top: TOP, maxImages: 1000, batch: 8, ...extra });

/** Every image's per-channel mean and max from its own analysis, one image per run. */
async function bruteForce(): Promise<{ means: number[][]; maxima: number[][] }> {
  const means: number[][] = [];
  const maxima: number[][] = [];
  for (const rel of paths) {
    const analysis = await engine.analyze({ input: { image: path.join(dir, rel) }, model: MODEL });
    const a = await analysis.activation(LAYER);
    const [, channels, h, w] = a.shape;
    const spatial = h * w;
    const m: number[] = [];
    const x: number[] = [];
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      let max = -Infinity;
      for (let s = 0; s < spatial; s++) {
        const v = a.data[c * spatial + s];
        sum += v;
        max = Math.max(max, v);
      }
      m.push(sum / spatial);
      x.push(max);
    }
    means.push(m);
    maxima.push(x);
  }
  return { means, maxima };
}

function expectedTop(values: number[][], channel: number): ScanHit[] {
  return paths
    .map((p, i) => ({ path: p, value: values[i][channel] }))
    .sort((a, b) => b.value - a.value || (a.path < b.path ? -1 : 1))
    .slice(0, TOP);
}

function assertHits(actual: readonly ScanHit[], expected: ScanHit[], what: string): void {
  assert.deepEqual(actual.map((h) => h.path), expected.map((h) => h.path), what);
  actual.forEach((h, i) => assert.ok(Math.abs(h.value - expected[i].value) <= TOLERANCE * Math.max(1, Math.abs(expected[i].value)), `${what} #${i}: ${h.value} vs ${expected[i].value}`));
}

describe("folder scan", () => {
  it("top-K by mean and by max equal a brute-force ranking of every image; the corrupt file is listed", async () => {
    const result = await engine.scan(request());
    assert.equal(result.found, 41);
    assert.equal(result.scanned, 40);
    assert.deepEqual(result.failed.map((f) => [f.path, f.code]), [["part0/broken.png", "IMAGE_UNREADABLE"]]);
    assert.match(result.failed[0].message, /broken\.png/);
    assert.deepEqual(result.shape, [64, 98, 98]);
    assert.equal(result.channels.length, 64);
    const { means, maxima } = await bruteForce();
    for (const c of result.channels) {
      assertHits(c.topByMean, expectedTop(means, c.channel), `channel ${c.channel} by mean`);
      assertHits(c.topByMax, expectedTop(maxima, c.channel), `channel ${c.channel} by max`);
      const folderMean = means.reduce((s, m) => s + m[c.channel], 0) / means.length;
      assert.ok(Math.abs((c.mean as number) - folderMean) <= TOLERANCE, `channel ${c.channel} mean`);
      const folderMax = Math.max(...maxima.map((m) => m[c.channel]));
      assert.ok(Math.abs((c.max as number) - folderMax) <= TOLERANCE, `channel ${c.channel} max`);
      assert.equal(c.dead, folderMax <= 0);
    }
    assert.deepEqual(result.deadChannels, result.channels.filter((c) => c.dead).map((c) => c.channel));
  });

  it("a batch of 1 ranks the same images as a batch of 8", async () => {
    const [eight, one] = [await engine.scan(request()), await engine.scan(request({ batch: 1 }))];
    assert.deepEqual(one.channels.map((c) => c.topByMax.map((h) => h.path)), eight.channels.map((c) => c.topByMax.map((h) => h.path)));
  });

  it("the JSON is the same bytes twice, paths relative, schema named; the CSV has a row per channel, ranking and rank", async () => {
    const [a, b] = [scanJson(await engine.scan(request())), scanJson(await engine.scan(request()))];
    assert.equal(a, b);
    assert.ok(!a.includes(dir), "no absolute paths");
    const parsed = JSON.parse(a) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ["schema", "model", "layer", "shape", "input", "top", "scanned", "found", "failed", "deadChannels", "channels"]);
    assert.equal(parsed.schema, "feature-maps-scan/1");
    const csv = scanCsv(await engine.scan(request())).trimEnd().split("\n");
    assert.equal(csv[0], "channel,channel_mean,channel_max,dead,ranking,rank,path,value");
    assert.equal(csv.length, 1 + 64 * 2 * TOP);
    assert.match(csv[1], /^0,[-\d.e]+,[-\d.e]+,(true|false),mean,1,part\d\/img\d{4}\.png,[-\d.e]+$/);
  });

  it("reports progress up to done = total, failures included", async () => {
    const seen: [number, number][] = [];
    await engine.scan(request(), { progress: (done, total) => seen.push([done, total]) });
    assert.deepEqual(seen.at(-1), [41, 41]);
    assert.ok(seen.every(([done], i) => i === 0 || done >= seen[i - 1][0]), "done never goes back");
  });

  it("an unknown layer is refused before any image is read", async () => {
    await assert.rejects(engine.scan(request({ layer: "features.999" })), (e: Error & { code?: string }) => e.code === "LAYER_UNKNOWN");
    await assert.rejects(engine.scan(request({ top: 0 })), /top must be a whole number from 1 to 100/);
  });
});

describe("folder scan, cancelled", () => {
  it("stops within 1 s of the cancel, with CANCELLED", async () => {
    const big = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-cancel-"));
    try {
      await generateScanFolder(big, 200, 7);
      const controller = new AbortController();
      let cancelledAt = 0;
      const scan = engine.scan({ ...request(), folder: big }, {
        signal: controller.signal,
        progress: (done) => {
          if (done >= 40 && cancelledAt === 0) {
            cancelledAt = performance.now();
            controller.abort();
          }
        },
      });
      await assert.rejects(within(10_000, scan), (e: Error & { code?: string }) => e.code === "CANCELLED");
      const took = performance.now() - cancelledAt;
      assert.ok(cancelledAt > 0, "the scan was under way when cancelled");
      assert.ok(took < 1000, `stopped ${took.toFixed(0)} ms after the cancel`);
    } finally {
      await fs.rm(big, { recursive: true, force: true });
    }
  });
});
