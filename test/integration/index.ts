// Suite loader: VS Code's extension host requires this module (the
// extensionTestsPath) and awaits run(). Every *.test.js compiled next to it is
// a mocha file using the BDD interface (describe/it).
import * as fs from "fs";
import * as path from "path";
import { format } from "util";
import Mocha from "mocha";

// test/runner/run-tests.mjs sets FEATURE_MAPS_TEST_MARKERS so it can tell,
// among everything the browser console carries, mocha's report (printed) from
// the other logs (printed only for a failing test): each report line and each
// test's end is marked. The format is parsed by test/runner/logBuffer.mjs.
const MARKER = "@@fm-test@@";
const markers = !!process.env.FEATURE_MAPS_TEST_MARKERS;
type ConsoleLog = (...args: unknown[]) => void;
// The reporters print through this (not typed in @types/mocha).
const reporterBase = Mocha.reporters.Base as unknown as { consoleLog: ConsoleLog };

function findTestFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".test.js") && !f.split(path.sep).includes("node_modules"))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Runs every *.test.js under `dir` (each suite folder has an index that calls this). */
export async function runSuite(dir: string): Promise<void> {
  const mocha = new Mocha({
    ui: "bdd",
    // The output ends up in a log or a browser console, not a terminal.
    color: false,
    // A new webview can wait 30 s: VS Code 1.100's webview service worker gives up on a resource
    // request after 30 s, which a webview made while the worker is being replaced (each webview
    // registers it under its own URL) runs into. A test that makes two webviews can meet it
    // twice; a test that really hangs still fails, and the runner bounds the whole run.
    timeout: 150_000,
    // The runners pass a filter through the environment because the extension
    // host has no command line of its own.
    grep: process.env.FEATURE_MAPS_TEST_GREP || undefined,
  });
  const files = findTestFiles(dir);
  if (files.length === 0) {
    // A run that silently tests nothing must not look green.
    throw new Error(`no *.test.js files under ${dir}`);
  }
  files.forEach((f) => mocha.addFile(f));

  // loadFilesAsync surfaces a test file that throws at load time as a
  // rejection instead of an uncaught error inside the extension host.
  await mocha.loadFilesAsync();
  const consoleLog = reporterBase.consoleLog;
  if (markers) {
    reporterBase.consoleLog = (...args) => {
      for (const line of format(...args).split("\n")) console.log(`${MARKER} report ${line}`);
    };
  }
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats!));
    if (markers) {
      // Added after the reporter's own listeners: a failure's report line comes first.
      runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => console.log(`${MARKER} pass`));
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test) => console.log(`${MARKER} fail ${test.fullTitle()}`));
    }
  }).finally(() => (reporterBase.consoleLog = consoleLog));

  const skipped = stats.pending ? `, ${stats.pending} skipped` : "";
  // CI reads this exact line; it has to stand alone on its line.
  console.log(`\n${stats.passes} passed, ${stats.failures} failed${skipped}`);
  if (stats.failures > 0) {
    throw new Error(`${stats.failures} integration test(s) failed`);
  }
  if (stats.passes === 0) {
    throw new Error("no integration test ran (check FEATURE_MAPS_TEST_GREP)");
  }
}

export function run(): Promise<void> {
  return runSuite(__dirname);
}
