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
// Output: mocha's report (test titles, failures) and the suite's "N passed, N failed"
// as the last line. The server's and the browser's logs (with the extension
// host's console.log) are printed only for a failing test, or their last lines
// when the run fails outside a test; FM_VERBOSE=1 prints them all as they come.
//
// Env: FEATURE_MAPS_VSCODE_DIR or FEATURE_MAPS_VSCODE_SERVER (server location),
//      CHROMIUM_PATH (default /usr/bin/chromium), FEATURE_MAPS_KEEP_TMP=1 (keep data dirs),
//      FM_VERBOSE=1 (or FEATURE_MAPS_VERBOSE=1: every log line, live).
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LogBuffer, verboseFromEnv } from "./logBuffer.mjs";
import { REPO_ROOT, findServer, log, openWorkbench, signalExitCode, testSummary } from "./workbench.mjs";

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

const logs = new LogBuffer({ verbose: verboseFromEnv() });
let workbench;
// Whoever ends the run first (the suite, the timeout, a signal) sets the exit
// code; later callers wait for the same cleanup instead of exiting under it.
// `why`: what went wrong outside the tests, if anything: the logs' last lines
// are printed then, and `after` (an error's stack) below them.
let finishing;
function finish(code, why, after) {
  finishing ??= (async () => {
    await workbench?.close();
    // A suite that fails without reporting a failing test (it did not load, no
    // test ran, the extension host died) has nothing printed to show why.
    if (code !== 0 && !why && logs.failures === 0) why = `the suite failed with exit code ${code}`;
    if (why) logs.printTail(why);
    if (after) log(after);
    const summary = testSummary();
    if (summary) console.log(summary);
    process.exit(code);
  })();
  return finishing;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    finish(signalExitCode(sig), sig);
  });
}
setTimeout(() => {
  log(`TIMEOUT: the tests did not finish within ${opts.timeout} s; failing`);
  finish(124, "timeout");
}, Number(opts.timeout) * 1000);

/** A path as short as it can be said: relative to the current folder when inside it. */
function shortPath(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : rel === "" ? "./" : path;
}

async function main() {
  const t0 = Date.now();
  const extensionDevelopmentPath =
    opts["no-extension"] || opts.vsix ? undefined : resolve(opts.extension ?? REPO_ROOT);
  const what = opts.vsix
    ? `the installed ${shortPath(resolve(opts.vsix))}`
    : extensionDevelopmentPath
      ? `the extension in ${shortPath(extensionDevelopmentPath)}`
      : "installed extensions only";
  const where = opts.workspace ? shortPath(resolve(opts.workspace)) : "an empty folder";
  const version = JSON.parse(readFileSync(join(findServer(), "package.json"), "utf8")).version;
  log(`running ${shortPath(testsPath)} in VS Code ${version} on ${where}, with ${what}${logs.verbose ? "" : " (logs shown for failures; FM_VERBOSE=1 shows all)"}`);

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
    // The extension host inherits the server's environment; the suite loader
    // reads it. The markers tell the report and each test's end from the logs.
    env: { FEATURE_MAPS_TEST_MARKERS: "1", ...(opts.grep ? { FEATURE_MAPS_TEST_GREP: opts.grep } : {}) },
    beforeNavigate: (page) => page.exposeFunction("codeAutomationExit", (code) => reportExit(Number(code))),
    logs,
  });

  const serverDied = workbench.serverExited.then(({ code, signal }) => {
    throw new Error(`the VS Code server exited (code ${code}, signal ${signal}) before the tests finished`);
  });
  const pageCrashed = new Promise((_, rej) => workbench.page.on("crash", () => rej(new Error("the browser page crashed"))));
  const code = await Promise.race([exitCode, serverDied, pageCrashed]);
  await workbench.drainLogs();
  log(`tests finished with exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return code;
}

main().then(
  (code) => finish(code),
  (err) => {
    // After a timeout or a signal, main() fails only because we closed things.
    finish(1, err?.message ?? String(err), `FAILED: ${err?.stack ?? err}`);
  },
);
