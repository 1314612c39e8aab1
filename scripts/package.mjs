#!/usr/bin/env node
// Builds a platform-specific VSIX holding only that platform's onnxruntime binaries:
//   npm run package [-- linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64] [--out FILE] [--quiet]
// (default: this machine's platform). vsce has no per-target ignore file, so one is written
// from .vscodeignore plus the target's binary folder. --quiet (npm test's packaging) prints
// only vsce's DONE and WARNING lines, or all its output if it fails (FM_VERBOSE=1: all).
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  options: { out: { type: "string" }, quiet: { type: "boolean", default: false } },
  allowPositionals: true,
});
const verbose = !["", "0", "false"].includes(process.env.FM_VERBOSE ?? process.env.FEATURE_MAPS_VERBOSE ?? "");
const target = positionals[0] ?? `${process.platform}-${process.arch}`;
const [platform, arch] = target.split("-");
const binRoot = join(root, "node_modules/onnxruntime-node/bin/napi-v6");
const available = readdirSync(binRoot).flatMap((p) => readdirSync(join(binRoot, p)).map((a) => `${p}-${a}`));
if (!available.includes(target)) {
  console.error(`no onnxruntime binaries for ${target}; onnxruntime-node ships ${available.join(", ")}`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), "fm-vsix-"));
const ignoreFile = join(tmp, ".vscodeignore");
writeFileSync(ignoreFile, `${readFileSync(join(root, ".vscodeignore"), "utf8")}\n!node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/**\n`);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = resolve(values.out ?? `${pkg.name}-${target}-${pkg.version}.vsix`);
mkdirSync(dirname(out), { recursive: true });
const vsce = [join(root, "node_modules/@vscode/vsce/vsce"), "package", "--target", `${platform}-${arch}`, "--ignoreFile", ignoreFile, "--out", out, "--allow-missing-repository", "--no-rewrite-relative-links"];
if (values.quiet && !verbose) {
  // vsce lists every folder of the VSIX and its prepublish script runs the build: one file
  // takes both of its streams, in order, to be shown whole only if packaging fails.
  const logFile = join(tmp, "vsce.log");
  const fd = openSync(logFile, "w");
  const { status, signal, error } = spawnSync(process.execPath, vsce, { cwd: root, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const output = readFileSync(logFile, "utf8");
  rmSync(logFile);
  if (status !== 0) {
    process.stderr.write(output);
    console.error(`vsce package failed (${error?.message ?? (signal ? `signal ${signal}` : `exit code ${status}`)})`);
    process.exit(status || 1);
  }
  for (const line of output.split("\n")) if (/^\s*(DONE|WARNING)\b/.test(line)) console.log(line.trim());
} else {
  execFileSync(process.execPath, vsce, { cwd: root, stdio: "inherit" });
  console.log(out);
}
