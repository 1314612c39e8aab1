#!/usr/bin/env node
// Builds a platform-specific VSIX holding only that platform's onnxruntime binaries:
//   npm run package [-- linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64] [--out FILE]
// (default: this machine's platform). vsce has no per-target ignore file, so one is written
// from .vscodeignore plus the target's binary folder.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
const target = positionals[0] ?? `${process.platform}-${process.arch}`;
const [platform, arch] = target.split("-");
const binRoot = join(root, "node_modules/onnxruntime-node/bin/napi-v6");
const available = readdirSync(binRoot).flatMap((p) => readdirSync(join(binRoot, p)).map((a) => `${p}-${a}`));
if (!available.includes(target)) {
  console.error(`no onnxruntime binaries for ${target}; onnxruntime-node ships ${available.join(", ")}`);
  process.exit(2);
}
const ignoreFile = join(mkdtempSync(join(tmpdir(), "fm-vsix-")), ".vscodeignore");
writeFileSync(ignoreFile, `${readFileSync(join(root, ".vscodeignore"), "utf8")}\n!node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/**\n`);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = resolve(values.out ?? `${pkg.name}-${target}-${pkg.version}.vsix`);
mkdirSync(dirname(out), { recursive: true });
execFileSync(
  process.execPath,
  [join(root, "node_modules/@vscode/vsce/vsce"), "package", "--target", `${platform}-${arch}`, "--ignoreFile", ignoreFile, "--out", out, "--allow-missing-repository", "--no-rewrite-relative-links"],
  { cwd: root, stdio: "inherit" },
);
console.log(out);
