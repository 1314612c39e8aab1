// What the benchmarks share: the built engine, timing by medians, and the machine line of a table.
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

export const root = resolve(import.meta.dirname, "..");
export const require = createRequire(import.meta.url);

/** A module of the tsc-compiled engine (out/src/engine/...). */
export const engineModule = (p) => join(root, "out", "src", "engine", p);

/** Exits with the build command when the compiled engine (and, with `cli`, the bundled CLI) is missing. */
export function requireBuild({ cli = false } = {}) {
  if (existsSync(engineModule("engine.js")) && (!cli || existsSync(join(root, "dist", "cli.js")))) return;
  console.error(`build first: npx tsc -p test${cli ? " && npm run build" : ""}`);
  process.exit(2);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median wall time of `repeats` awaited calls, in ms. */
export async function timed(fn, repeats) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** The machine, Node and onnxruntime versions a table was measured with. */
export function machineLine() {
  return `machine: ${cpus().length} x ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}, onnxruntime-node ${require("onnxruntime-node/package.json").version}`;
}
