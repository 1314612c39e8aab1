#!/usr/bin/env node
// Folder scan throughput next to plain batched inference on pre-decoded tensors, in one run: the
// same graph the scan runs (the model cut to the layer), and the whole feature extractor
// (features.51). Run by hand (`node bench/scan.mjs`), never as a test; prints a table.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineModule as out, machineLine, median, require, requireBuild, root } from "./common.mjs";

requireBuild();
const { FeatureMapsEngine } = require(out("engine.js"));
const { readImage } = require(out("image/decode.js"));
const { modelInputBytes, planesToTensor, NOTEBOOK_PREPROCESSING } = require(out("image/preprocess.js"));
const { LayerSession } = require(out("scan/layerSession.js"));
const { walkImages } = require(out("scan/walk.js"));
const { generateScanFolder } = require(join(root, "out", "test", "support", "scanFolder.js"));

const COUNT = Number(process.env.BENCH_IMAGES ?? 1000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BATCH = 16;
const LAYERS = (process.env.BENCH_LAYERS ?? "features.0,features.20,features.49").split(",");
const MODEL = { kind: "builtin", weights: { seed: 0 } };
/** The last feature map: the classifier after it is a few small Linear layers. */
const WHOLE = "features.51";

const folder = mkdtempSync(join(tmpdir(), "fm-bench-scan-"));
try {
  await generateScanFolder(folder, COUNT, 1, 64, 256);
  const p = NOTEBOOK_PREPROCESSING;
  const files = await walkImages(folder, COUNT);
  const tensors = await Promise.all(files.map(async (f) => planesToTensor(modelInputBytes(await readImage(f.file), p).planes, p)));
  const engine = new FeatureMapsEngine({ provider: "cpu" });
  const runner = await engine.open(MODEL);
  const one = tensors[0].length;
  /** Images per second of plain batched runs of the model cut to `layer`, on the decoded tensors. */
  const plainRate = async (layer) => {
    const session = await LayerSession.open(runner, layer, p.height, p.width, BATCH);
    const t = performance.now();
    for (let i = 0; i < tensors.length; i += BATCH) {
      const part = tensors.slice(i, i + BATCH);
      const stack = new Float32Array(part.length * one);
      part.forEach((x, j) => stack.set(x, j * one));
      await session.run(stack, part.length);
    }
    const ms = performance.now() - t;
    await session.release();
    return (COUNT / ms) * 1000;
  };
  const scanRate = async (layer) => {
    const t = performance.now();
    await engine.scan({ folder, model: MODEL, layer, top: 5, maxImages: COUNT, batch: BATCH });
    return (COUNT / (performance.now() - t)) * 1000;
  };
  const whole = [];
  const rows = [];
  for (const layer of LAYERS) {
    const plain = [];
    const scan = [];
    for (let r = 0; r < REPEATS; r++) {
      plain.push(await plainRate(layer));
      scan.push(await scanRate(layer));
      if (layer === LAYERS[0]) whole.push(await plainRate(WHOLE));
    }
    rows.push([layer, median(plain), median(scan)]);
  }
  const wholeRate = median(whole);
  const table = rows.map(([layer, plain, scan]) => `| ${layer} | ${plain.toFixed(1)} | ${scan.toFixed(1)} | ${(scan / plain).toFixed(2)}x | ${(scan / wholeRate).toFixed(2)}x |`);
  engine.dispose();
  console.log(`${COUNT} generated images (crops of 64 to 256 px, PNG), XAI (seed 0) at 100x100, batches of ${BATCH}, CPU; medians of ${REPEATS}`);
  console.log(machineLine());
  console.log(`plain batched inference of the whole feature extractor (${WHOLE}): ${wholeRate.toFixed(1)} images/s`);
  console.log("\n| layer | plain batched, same cut graph (images/s) | scan (images/s) | scan / same graph | scan / whole extractor |\n| --- | ---: | ---: | ---: | ---: |");
  console.log(table.join("\n"));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
