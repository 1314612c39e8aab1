#!/usr/bin/env node
// CUDA next to the CPU for the built-in XAI model (100x100, 224x224) and torchvision's resnet50
// (224x224, random weights, exported by Debian's PyTorch): session creation, first run, a warm
// run of every layer (what a panel does) and a warm plain run (the model's output only).
// Run by hand on a machine with an NVIDIA GPU (`npm run bench:gpu`), never as a test. Without a
// GPU it says so and exits 0; `--cpu-anyway` then runs the CPU column alone, to check the harness.
// The CUDA provider comes from FEATURE_MAPS_CUDA_DIR (a folder of provider libraries, as
// featureMaps.cudaProviderDir) or from node_modules (`npm run install-cuda`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { engineModule as out, require, requireBuild, root, timed } from "./common.mjs";

requireBuild();
const { hasNvidiaGpu } = require(out("gpu/detect.js"));
const cpuAnyway = process.argv.includes("--cpu-anyway");
if (!hasNvidiaGpu()) {
  console.log("No NVIDIA GPU found (no /proc/driver/nvidia/version, and nvidia-smi does not run): there is no CUDA to compare with the CPU.");
  if (!cpuAnyway) process.exit(0);
}
const { onnx } = require("onnx-proto");
const { prepareModel, BUILTIN_MODEL } = require(out("model/models.js"));
const { ModelRunner } = require(out("run/inference.js"));
const { openSession } = require(out("run/session.js"));
const { loadOrt, useCuda } = require(out("run/ort.js"));

const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "fm-bench-gpu-"));
if (process.env.FEATURE_MAPS_CUDA_DIR) {
  useCuda({ bundled: join(root, "node_modules", "onnxruntime-node"), storage: tmp, providerDir: resolve(process.env.FEATURE_MAPS_CUDA_DIR) });
}

async function time(fn) {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}
const warm = (fn) => timed(fn, REPEATS);

function resnet50() {
  const file = join(tmp, "resnet50.onnx");
  const script = [
    "import sys, torch, torchvision",
    "torch.manual_seed(0)",
    "m = torchvision.models.resnet50().eval()",
    "torch.onnx.export(m, torch.zeros(1, 3, 224, 224), sys.argv[1], input_names=['input'], output_names=['output'], opset_version=13)",
  ].join("\n");
  execFileSync(PYTHON, ["-c", script, file], { stdio: ["ignore", "ignore", "inherit"] });
  return file;
}

/** The same graph with only the model's own output: a plain forward pass. */
function plainBytes(model) {
  const proto = onnx.ModelProto.decode(model.bytes);
  proto.graph.output = proto.graph.output.filter((o) => model.outputs.includes(o.name));
  return onnx.ModelProto.encode(proto).finish();
}

async function measure(source, size, provider) {
  const { ort } = await loadOrt(true);
  const model = await prepareModel(source);
  const input = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i));
  const [session, runner] = await time(() => ModelRunner.open(model, { provider }));
  if (provider === "cuda" && runner.provider.used !== "cuda") throw new Error(runner.provider.reason);
  const [first] = await time(() => runner.run(input, size, size));
  const allLayers = await warm(() => runner.run(input, size, size));
  const plain = (await openSession(plainBytes(model), { provider }, model.parameters)).session;
  const weights = Object.fromEntries([...(model.parameters ?? [])].map(([k, t]) => [k, new ort.Tensor("float32", t.data, t.shape)]));
  const all = { ...weights, [model.inputName]: new ort.Tensor("float32", input, [1, 3, size, size]) };
  const feed = Object.fromEntries(plain.inputNames.map((n) => [n, all[n]]));
  await plain.run(feed);
  const plainRun = await warm(() => plain.run(feed));
  await runner.release();
  await plain.release();
  return { session, first, allLayers, plain: plainRun };
}

const cases = [
  { label: "XAI", source: BUILTIN_MODEL, size: 100 },
  { label: "XAI", source: BUILTIN_MODEL, size: 224 },
  { label: "resnet50", source: { kind: "onnx", path: resnet50() }, size: 224 },
];
const providers = hasNvidiaGpu() ? ["cuda", "cpu"] : ["cpu"];
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`\n| model | input | provider | session | first run | warm, all layers | warm, plain |`);
console.log(`| --- | --- | --- | ---: | ---: | ---: | ---: |`);
try {
  for (const c of cases) {
    for (const provider of providers) {
      const r = await measure(c.source, c.size, provider);
      console.log(`| ${c.label} | ${c.size}x${c.size} | ${provider.toUpperCase()} | ${ms(r.session)} | ${ms(r.first)} | ${ms(r.allLayers)} | ${ms(r.plain)} |`);
    }
  }
} catch (e) {
  console.error(`CUDA could not be used: ${e.message}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`\nmedian of ${REPEATS} warm runs; Node ${process.version}.`);
