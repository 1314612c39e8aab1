#!/usr/bin/env node
// Feature Maps next to the reference notebook's PyTorch pipeline, in one run on one machine; prints a table.
// Run by hand (`npm run bench`), never as a test: timings on a shared 2-core box are noisy, so
// read the ratios, not the absolute numbers.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineModule as out, machineLine, median, require, requireBuild, root, timed as medianTime } from "./common.mjs";

requireBuild({ cli: true });
const { onnx } = require("onnx-proto");
const { readImage } = require(out("image/decode.js"));
const { modelInputBytes, planesToTensor, NOTEBOOK_PREPROCESSING } = require(out("image/preprocess.js"));
const { prepareModel, BUILTIN_MODEL } = require(out("model/models.js"));
const { ModelRunner } = require(out("run/inference.js"));
const { openSession } = require(out("run/session.js"));
const ort = require("onnxruntime-node");

const IMAGE = join(root, "media", "samples", "chelsea.png");
const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "fm-bench-"));

const timed = (fn, repeats = REPEATS) => medianTime(fn, repeats);

/** Wall time and peak RSS of a command, the RSS read by a parent that waits for it. */
function measureCommand(args) {
  const probe = "import resource,subprocess,sys,time\nt=time.perf_counter()\nr=subprocess.run(sys.argv[1:],capture_output=True)\nw=(time.perf_counter()-t)*1000\nif r.returncode: sys.exit(r.stderr.decode())\nprint(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const [wall, rss] = execFileSync(PYTHON, ["-c", probe, ...args], { encoding: "utf8" }).trim().split(" ").map(Number);
    runs.push({ wall, rss });
  }
  return { wall: median(runs.map((r) => r.wall)), rss: Math.max(...runs.map((r) => r.rss)) / 1024 };
}

async function ours(size) {
  const p = { ...NOTEBOOK_PREPROCESSING, height: size, width: size };
  const decode = await timed(async () => planesToTensor(modelInputBytes(await readImage(IMAGE), p).planes, p));
  const input = planesToTensor(modelInputBytes(await readImage(IMAGE), p).planes, p);
  let model;
  const build = await timed(async () => (model = await prepareModel(BUILTIN_MODEL)), 3);
  let runner;
  const session = await timed(async () => (runner = await ModelRunner.open(model, { provider: "cpu" })), 3);
  await runner.run(input, size, size);
  const allLayers = await timed(() => runner.run(input, size, size));
  // The same graph with only the model's output, for a plain-forward comparison.
  const proto = onnx.ModelProto.decode(model.bytes);
  proto.graph.output = proto.graph.output.filter((o) => o.name === "output");
  const plainSession = (await openSession(onnx.ModelProto.encode(proto).finish(), { provider: "cpu" })).session;
  // Built models take their weights as inputs (src/engine/model/onnxBuild.ts), fed with the image.
  const weights = Object.fromEntries([...(model.parameters ?? [])].map(([key, t]) => [key, new ort.Tensor("float32", t.data, t.shape)]));
  const feed = { ...weights, input: new ort.Tensor("float32", input, [1, 3, size, size]) };
  await plainSession.run(feed);
  const plain = await timed(() => plainSession.run(feed));
  return { decode, build, session, allLayers, plain };
}

function seed(size, weights) {
  const r = spawnSync(PYTHON, [join(root, "bench", "seed_pipeline.py"), IMAGE, weights, String(size), String(REPEATS)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`seed pipeline failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const fmt = (v) => (v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? "—" : `${(a / b).toFixed(2)}x`);

const hasTorch = spawnSync(PYTHON, ["-c", "import torch, torchvision, cv2, onnx"]).status === 0;
const weights = join(tmp, "seed0.safetensors");
execFileSync(process.execPath, [join(root, "dist", "cli.js"), "weights", "--seed", "0", "--out", weights], { stdio: "ignore" });

const rows = [];
for (const size of [100, 224]) {
  const a = await ours(size);
  const b = hasTorch ? seed(size, weights) : {};
  rows.push([`decode + preprocess ${size}x${size}`, a.decode, b.decode]);
  rows.push([`model build ${size === 100 ? "" : "(same)"}`.trim(), a.build, b.build]);
  rows.push([`session create`, a.session, undefined]);
  rows.push([`plain forward ${size}x${size}`, a.plain, b.plain]);
  rows.push([`all layers, one pass ${size}x${size}`, a.allLayers, b.allLayers]);
}
const cli = measureCommand([process.execPath, join(root, "dist", "cli.js"), "dump", IMAGE, "--layer", "30", "--out", join(tmp, "a.npy")]);
const py = hasTorch ? measureCommand([PYTHON, join(root, "bench", "seed_dump.py"), IMAGE, "30", join(tmp, "b.npy")]) : undefined;
rows.push(["CLI one-shot dump of layer 30 (wall)", cli.wall, py?.wall]);
rows.push(["CLI one-shot peak memory (MB)", cli.rss, py?.rss]);

console.log(`${machineLine()}; medians of ${REPEATS} (CLI: 3)`);
console.log("");
console.log("| step | Feature Maps (ms) | notebook's PyTorch (ms) | ratio |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, a, b] of rows) console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`);
if (!hasTorch) console.log("\n(python3-torch / python3-opencv not installed: PyTorch column empty)");
rmSync(tmp, { recursive: true, force: true });
process.exit(0);
