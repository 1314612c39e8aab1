#!/usr/bin/env node
// Explanations next to PyTorch, in one run on one machine: Grad-CAM (autograd vs our backward
// graph), Score-CAM and occlusion (batched loops of 32) on a torchvision model read from the same
// .pth. Run by hand (`node bench/explain.mjs [ARCH] [SIZE] [LAYER]`), never as a test; read the ratios.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

const root = resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const out = (p) => join(root, "out", "src", "engine", p);
if (!existsSync(out("engine.js"))) {
  console.error("build first: npx tsc -p test");
  process.exit(2);
}
const { prepareModel } = require(out("model/models.js"));
const { ModelRunner } = require(out("run/inference.js"));
const { Explainer } = require(out("explain/explainer.js"));

const [arch = "resnet18", sizeArg = "224", layer = "layer4"] = process.argv.slice(2);
const size = Number(sizeArg);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "fm-bench-explain-"));
const pth = join(tmp, `${arch}.pth`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(fn, repeats = REPEATS) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

const torch = spawnSync(PYTHON, [join(root, "bench", "explain_torch.py"), arch, String(size), pth, layer, String(REPEATS), "write"], { encoding: "utf8" });
if (torch.status !== 0) {
  console.error(`PyTorch side failed (python3-torch and python3-torchvision installed?): ${torch.stderr}`);
  process.exit(1);
}
const py = JSON.parse(torch.stdout.trim().split("\n").pop());

const runner = await ModelRunner.open(await prepareModel({ kind: "torchvision", name: arch, weights: { file: pth } }), { provider: "cpu" });
const explainer = new Explainer(runner);
const input = Float32Array.from({ length: 3 * size * size }, (_, i) => ((i * 2654435761) % 1000) / 1000);
const base = { reduce: "sum", window: 16, stride: 8, baseline: 0, batch: 32, classIndex: py.class };
const explain = (o) => explainer.explain(input, size, size, { ...base, ...o });
await explainer.predict(input, size, size, "sum", undefined, 1);
await explain({ method: "gradcam", layer });
const ours = {
  plain: await timed(() => explainer.predict(input, size, size, "sum", undefined, 1)),
  gradcam: await timed(() => explain({ method: "gradcam", layer })),
  scorecam: await timed(() => explain({ method: "scorecam", layer }), 1),
  occlusion: await timed(() => explain({ method: "occlusion" }), 1),
};
await explainer.release();
await runner.release();

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}, onnxruntime-node ${require("onnxruntime-node/package.json").version}; torch threads ${py.threads}; medians of ${REPEATS} (Score-CAM, occlusion: 1 run)`);
console.log(`${arch} ${size}x${size}, layer ${layer} (${py.channels} channels), class ${py.class}\n`);
console.log("| step | Feature Maps (ms) | PyTorch (ms) | ratio |");
console.log("| --- | ---: | ---: | ---: |");
const rows = [
  ["plain forward", ours.plain, py.plain],
  ["Grad-CAM (forward + backward + map)", ours.gradcam, py.gradcam],
  [`Score-CAM (${py.channels} channels, batches of 32)`, ours.scorecam, py.scorecam],
  ["occlusion (window 16, stride 8, batches of 32)", ours.occlusion, py.occlusion],
];
for (const [name, a, b] of rows) console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)}x |`);
console.log(`\nGrad-CAM / our plain forward: ${(ours.gradcam / ours.plain).toFixed(2)}x`);
rmSync(tmp, { recursive: true, force: true });
