#!/usr/bin/env node
// Runs a compiled extension test suite inside a real VS Code (web workbench +
// remote extension host), offline. Exits with the code the suite reports.
//
//   node test/runner/run-tests.mjs [options]
//
//   --tests DIR            compiled suite: a folder whose index.js exports run()
//                          (default out/test/integration, where `tsc -p test` puts it)
//   --workspace DIR        folder opened in VS Code (default: a fresh empty one)
//   --extension DIR        extension under development (default: the repo root)
//   --no-extension         no extension under development: test what is installed
//   --extensions-dir DIR   installed-extensions folder (default: a fresh empty one)
//   --vsix FILE            install this VSIX into that folder first; implies --no-extension
//   --grep REGEX           only tests whose full title matches (via FEATURE_MAPS_TEST_GREP)
//   --timeout SECONDS      hard limit for the whole run (default 600); exit 124 past it
//
// Env: FEATURE_MAPS_VSCODE_DIR or FEATURE_MAPS_VSCODE_SERVER (server location),
//      CHROMIUM_PATH (default /usr/bin/chromium), FEATURE_MAPS_KEEP_TMP=1 (keep data dirs).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT, log, openWorkbench, signalExitCode, testSummary } from "./workbench.mjs";

const USAGE = `usage: run-tests.mjs [--tests DIR] [--workspace DIR] [--extension DIR | --no-extension]
                    [--extensions-dir DIR] [--vsix FILE] [--grep REGEX] [--timeout SECONDS]`;
let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      help: { type: "boolean", short: "h", default: false },
      tests: { type: "string" },
      workspace: { type: "string" },
      extension: { type: "string" },
      "no-extension": { type: "boolean", default: false },
      "extensions-dir": { type: "string" },
      vsix: { type: "string" },
      grep: { type: "string" },
      timeout: { type: "string", default: "600" },
    },
  }));
  if (!(Number(opts.timeout) > 0)) throw new Error("--timeout must be a positive number of seconds");
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const testsPath = resolve(opts.tests ?? join(REPO_ROOT, "out/test/integration"));
if (!existsSync(testsPath)) {
  console.error(`[runner] no compiled suite at ${testsPath} (did \`tsc -p test\` run?)`);
  process.exit(2);
}

let workbench;
// Whoever ends the run first (the suite, the timeout, a signal) sets the exit
// code; later callers wait for the same cleanup instead of exiting under it.
let finishing;
function finish(code) {
  finishing ??= (async () => {
    await workbench?.close();
    const summary = testSummary();
    if (summary) console.log(summary);
    process.exit(code);
  })();
  return finishing;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    finish(signalExitCode(sig));
  });
}
setTimeout(() => {
  log(`TIMEOUT: the tests did not finish within ${opts.timeout} s; failing`);
  finish(124);
}, Number(opts.timeout) * 1000);

async function main() {
  const t0 = Date.now();
  const extensionDevelopmentPath =
    opts["no-extension"] || opts.vsix ? undefined : resolve(opts.extension ?? REPO_ROOT);
  log(`extension: ${extensionDevelopmentPath ?? "(none; installed extensions only)"}; tests: ${testsPath}`);

  // The workbench calls window.codeAutomationExit(code) once run() settles
  // (0 resolved, 1 rejected): that is how an extensionTestsPath run reports.
  let reportExit;
  const exitCode = new Promise((res) => (reportExit = res));
  workbench = await openWorkbench({
    workspace: opts.workspace,
    extensionDevelopmentPath,
    extensionTestsPath: testsPath,
    extensionsDir: opts["extensions-dir"],
    vsix: opts.vsix,
    // The extension host inherits the server's environment; the suite loader reads it.
    env: opts.grep ? { FEATURE_MAPS_TEST_GREP: opts.grep } : {},
    beforeNavigate: (page) => page.exposeFunction("codeAutomationExit", (code) => reportExit(Number(code))),
  });
  log(`workspace: ${workbench.workspace}`);

  const serverDied = workbench.serverExited.then(({ code, signal }) => {
    throw new Error(`the VS Code server exited (code ${code}, signal ${signal}) before the tests finished`);
  });
  const pageCrashed = new Promise((_, rej) => workbench.page.on("crash", () => rej(new Error("the browser page crashed"))));
  const code = await Promise.race([exitCode, serverDied, pageCrashed]);
  await workbench.drainLogs();
  log(`tests finished with exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return code;
}

main().then(finish, (err) => {
  // After a timeout or a signal, main() fails only because we closed things.
  if (!finishing) log(`FAILED: ${err?.stack ?? err}`);
  finish(1);
});
