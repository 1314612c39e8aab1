#!/usr/bin/env node
// Explanations next to PyTorch, in one run on one machine: Grad-CAM (autograd vs our backward
// graph), Score-CAM and occlusion (batched loops of 32) on a torchvision model read from the same
// .pth. Run by hand (`node bench/explain.mjs [ARCH] [SIZE] [LAYER]`), never as a test; read the ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineModule, machineLine, require, requireBuild, root, timed as medianTime } from "./common.mjs";

requireBuild();
const { prepareModel } = require(engineModule("model/models.js"));
const { ModelRunner } = require(engineModule("run/inference.js"));
const { Explainer } = require(engineModule("explain/explainer.js"));

const [arch = "resnet18", sizeArg = "224", layer = "layer4"] = process.argv.slice(2);
const size = Number(sizeArg);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "fm-bench-explain-"));
const pth = join(tmp, `${arch}.pth`);

const timed = (fn, repeats = REPEATS) => medianTime(fn, repeats);

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
console.log(`${machineLine()}; torch threads ${py.threads}; medians of ${REPEATS} (Score-CAM, occlusion: 1 run)`);
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
