#!/usr/bin/env node
// Peak memory and time of the CLI on large inputs, for one or more builds side by side in one
// run; prints a markdown table. A benchmark, run by hand, never a test:
//
//   npm run build
//   node bench/memory.mjs [OTHER_CHECKOUT ...]   # each holds its own built dist/cli.js
//
// Peak memory is the CLI process's own high-water mark (VmHWM), read as it exits.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const trees = [root, ...process.argv.slice(2).map((p) => resolve(p))];
const image = join(root, "media", "samples", "chelsea.png");
const out = mkdtempSync(join(tmpdir(), "fm-bench-memory-"));
const LIMIT_MS = 300_000;

const cases = [
  ["dump, 1024x1024, features.0", ["dump", image, "--size", "1024x1024", "--layer", "0", "--out", join(out, "a.npy")]],
  ["dump, 1024x1024, features.30", ["dump", image, "--size", "1024x1024", "--layer", "30", "--out", join(out, "b.npy")]],
  ["dump, 4096x4096, features.0", ["dump", image, "--size", "4096x4096", "--layer", "0", "--out", join(out, "c.npy")]],
  ["layers, 2048x2048", ["layers", "--size", "2048x2048"]],
  ["dump, 100x100, features.30 (ordinary use)", ["dump", image, "--layer", "30", "--out", join(out, "d.npy")]],
];

const REPORT = "process.on('exit', () => { const m = /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); process.stderr.write('\\n@@peak ' + (m ? m[1] : 0) + '\\n'); });";

function run(cli, args) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["-e", `${REPORT} process.argv.splice(1, 0, ${JSON.stringify(cli)}); require(${JSON.stringify(cli)});`, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const peak = /@@peak (\d+)/.exec(stderr);
      const message = stderr.replace(/\n@@peak \d+\n/, "").trim().split("\n")[0];
      done({ ms: performance.now() - t0, peakMB: peak ? Number(peak[1]) / 1024 : NaN, result: signal ? `killed (${signal})` : code === 0 ? "ok" : message.replace(/^feature-maps: /, "").slice(0, 90) });
    });
  });
}

console.log(`| case | ${trees.map((t) => `${t} peak MB | s | result`).join(" | ")} |`);
console.log(`|---|${trees.map(() => "---:|---:|---").join("|")}|`);
for (const [name, args] of cases) {
  const cells = [];
  for (const tree of trees) {
    const r = await run(join(tree, "dist", "cli.js"), args);
    cells.push(`${Math.round(r.peakMB)} | ${(r.ms / 1000).toFixed(1)} | ${r.result}`);
  }
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
rmSync(out, { recursive: true, force: true });
