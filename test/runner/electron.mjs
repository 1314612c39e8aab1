#!/usr/bin/env node
// The same integration suite in desktop VS Code (Electron) via
// @vscode/test-electron, for machines that have one or can download one.
// (Offline machines use run-tests.mjs, which needs neither.)
//
//   node test/runner/electron.mjs [options]
//
//   --tests DIR            compiled suite (default out/test/integration)
//   --workspace DIR        folder to open (default: a fresh empty one)
//   --extension DIR        extension under development (default: the repo root)
//   --extensions-dir DIR   installed-extensions folder (default: a fresh empty one)
//   --vsix FILE            install this VSIX there first; no extension under development
//   --grep REGEX           only tests whose full title matches (via FEATURE_MAPS_TEST_GREP)
//   --version V            VS Code version to download (default: test-electron's, latest stable)
//
// Env: VSCODE_EXECUTABLE  a VS Code executable to use instead of downloading one.
// On Linux without a display, run it under xvfb-run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  downloadAndUnzipVSCode,
  resolveCliPathFromVSCodeExecutablePath,
  runTests,
} from "@vscode/test-electron";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

const { values: opts } = parseArgs({
  options: {
    tests: { type: "string" },
    workspace: { type: "string" },
    extension: { type: "string" },
    "extensions-dir": { type: "string" },
    vsix: { type: "string" },
    grep: { type: "string" },
    version: { type: "string" },
  },
});

// Fresh profile and extensions folders, as in run-tests.mjs: test-electron's
// default (.vscode-test/) keeps state between runs.
const tmp = mkdtempSync(join(tmpdir(), "feature-maps-electron-"));
const userDataDir = join(tmp, "user-data");
const extensionsDir = resolve(opts["extensions-dir"] ?? join(tmp, "extensions"));
const workspace = resolve(opts.workspace ?? join(tmp, "workspace"));
mkdirSync(extensionsDir, { recursive: true });
mkdirSync(workspace, { recursive: true });
const profileArgs = [`--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`];

let code;
try {
  const executable = process.env.VSCODE_EXECUTABLE || (await downloadAndUnzipVSCode(opts.version ? { version: opts.version } : {}));

  let extensionDevelopmentPath = resolve(opts.extension ?? REPO_ROOT);
  if (opts.vsix) {
    // The CLI next to the executable (bin/code); Windows needs a shell for its .cmd.
    const cli = resolveCliPathFromVSCodeExecutablePath(executable);
    const r = spawnSync(cli, ["--install-extension", resolve(opts.vsix), ...profileArgs], {
      stdio: "inherit",
      shell: process.platform === "win32",
    });
    if (r.status !== 0) throw new Error(`installing ${opts.vsix} failed (exit ${r.status ?? r.signal})`);
    // VS Code runs a suite only alongside an extension under development;
    // an empty one leaves the installed VSIX as the only real extension.
    extensionDevelopmentPath = join(tmp, "no-extension");
    mkdirSync(extensionDevelopmentPath);
  }

  code = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath,
    extensionTestsPath: resolve(opts.tests ?? join(REPO_ROOT, "out/test/integration")),
    // The first launch argument is the folder to open.
    launchArgs: [workspace, ...profileArgs, "--disable-telemetry"],
    extensionTestsEnv: opts.grep ? { FEATURE_MAPS_TEST_GREP: opts.grep } : {},
  });
} catch (err) {
  // runTests rejects with TestRunFailedError (carrying VS Code's exit code) when the suite fails.
  console.error(`[electron] ${err?.message ?? err}`);
  code = typeof err?.code === "number" ? err.code : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(code);
