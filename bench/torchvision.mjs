#!/usr/bin/env node
// A torchvision model next to PyTorch, in one run on one machine: reading its torch.save .pth
// (our allowlist reader vs torch.load) and every module's output in one pass (one session with
// every layer as an output vs forward hooks on all named modules). Run by hand
// (`node bench/torchvision.mjs [ARCH] [SIZE]`), never as a test; read the ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineModule, machineLine, require, requireBuild, root, timed as medianTime } from "./common.mjs";

requireBuild();
const { prepareModel } = require(engineModule("model/models.js"));
const { ModelRunner } = require(engineModule("run/inference.js"));
const { loadWeightsFile } = require(engineModule("formats/weightsFile.js"));

const [arch = "resnet50", sizeArg = "224"] = process.argv.slice(2);
const size = Number(sizeArg);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "fm-bench-tv-"));
const pth = join(tmp, `${arch}.pth`);

const timed = (fn, repeats = REPEATS) => medianTime(fn, repeats);

const torch = spawnSync(PYTHON, [join(root, "bench", "torchvision_pipeline.py"), arch, String(size), String(REPEATS), pth], { encoding: "utf8" });
if (torch.status !== 0) {
  console.error(`PyTorch side failed (python3-torch and python3-torchvision installed?): ${torch.stderr}`);
  process.exit(1);
}
const py = JSON.parse(torch.stdout.trim().split("\n").pop());

const load = await timed(() => loadWeightsFile(pth));
const runner = await ModelRunner.open(await prepareModel({ kind: "torchvision", name: arch, weights: { file: pth } }), { provider: "cpu" });
const input = Float32Array.from({ length: 3 * size * size }, (_, i) => ((i * 2654435761) % 1000) / 1000);
const output = runner.model.outputs[0];
await runner.run(input, size, size);
await runner.run(input, size, size, output);
const allLayers = await timed(() => runner.run(input, size, size));
const plain = await timed(() => runner.run(input, size, size, output));
const layers = (await runner.run(input, size, size)).layers.length;
await runner.release();

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
console.log(`${machineLine()}; torch threads ${py.threads}; medians of ${REPEATS}`);
console.log(`${arch} ${size}x${size}; .pth ${(statSync(pth).size / 2 ** 20).toFixed(0)} MB; ${layers} layers here, ${py.modules} hooked modules in PyTorch\n`);
console.log("| step | Feature Maps (ms) | PyTorch (ms) | ratio |");
console.log("| --- | ---: | ---: | ---: |");
const rows = [
  [".pth load (allowlist reader vs torch.load)", load, py.load],
  ["plain forward", plain, py.plain],
  ["every module's output, one pass (vs hooks on all modules)", allLayers, py.allLayers],
];
for (const [name, a, b] of rows) console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)}x |`);
rmSync(tmp, { recursive: true, force: true });
