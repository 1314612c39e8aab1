#!/usr/bin/env node
// Compiles the tests (tsc -p test, no bundle needed) and runs them with node's test runner.
//   node scripts/test-unit.mjs                                   every unit test
//   node scripts/test-unit.mjs test/unit/shared/rpc.test.ts      one file (or several)
//   node scripts/test-unit.mjs --test-name-pattern "clip"        tests whose name matches
// Other options pass through to `node --test` (e.g. --test-reporter=spec to list every test).
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith(".ts"));
const options = args.filter((a) => !a.endsWith(".ts"));

const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "test")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// The runner's own pure pieces are tested in plain .mjs beside it.
const everything = [join(root, "out", "test", "unit"), join(root, "test", "runner")];
const targets = files.length > 0 ? files.map((f) => join(root, "out", relative(root, resolve(f)).replace(/\.ts$/, ".js"))) : everything;
// One line per suite by default, failures in full; --test-reporter=spec lists every test.
const reporter = options.some((o) => o.startsWith("--test-reporter")) ? [] : [`--test-reporter=${join(root, "scripts", "compact-reporter.mjs")}`];
const run = spawnSync(process.execPath, ["--test", ...reporter, ...options, ...targets], { stdio: "inherit", cwd: root });
process.exit(run.status ?? 1);
