#!/usr/bin/env node
// onnxruntime's intra-op threads with and without spinning between ops, on the built-in model's
// every-layer run at 100x100: wall time and CPU time per run, alternating so that both see the
// same machine. Why src/engine/run/session.ts turns spinning off. A benchmark, never a test:
//
//   npx tsc -p test && node bench/spinning.mjs      # BENCH_REPEATS runs per round (default 20)
import { engineModule as out, machineLine, median, require, requireBuild } from "./common.mjs";

requireBuild();
const ort = require("onnxruntime-node");
const { prepareModel } = require(out("model/models.js"));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const ROUNDS = 4;

const model = await prepareModel({ kind: "builtin", weights: { seed: 0 } });
const weights = Object.fromEntries([...model.parameters].map(([name, t]) => [name, new ort.Tensor("float32", t.data, t.shape)]));
const input = new ort.Tensor("float32", new Float32Array(3 * 100 * 100), [1, 3, 100, 100]);

async function measure(spinning) {
  const session = await ort.InferenceSession.create(model.bytes, {
    graphOptimizationLevel: "extended",
    enableCpuMemArena: false,
    ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } } }),
  });
  const feeds = Object.fromEntries(session.inputNames.map((n) => [n, n === model.inputName ? input : weights[n]]));
  await session.run(feeds);
  const walls = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    await session.run(feeds);
    walls.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  await session.release();
  return { wall: median(walls), cpu: (used.user + used.system) / 1000 / REPEATS };
}

const rows = { true: [], false: [] };
for (let r = 0; r < ROUNDS; r++) for (const spinning of [true, false]) rows[spinning].push(await measure(spinning));
console.log(`${machineLine()}; ${ROUNDS} rounds of ${REPEATS} runs, alternating\n`);
console.log("| intra-op threads | wall ms per run (median of rounds) | CPU ms per run (median of rounds) |");
console.log("|---|---:|---:|");
for (const spinning of [true, false]) {
  const r = rows[spinning];
  console.log(`| ${spinning ? "spinning (onnxruntime's default)" : "not spinning (ours)"} | ${median(r.map((x) => x.wall)).toFixed(1)} | ${median(r.map((x) => x.cpu)).toFixed(1)} |`);
}
