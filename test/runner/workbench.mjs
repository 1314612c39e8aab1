// Shared plumbing for running a real VS Code offline: the VS Code server from
// the code-server npm package (installed by scripts/install-vscode-server.sh)
// serves the web workbench, Debian's Chromium renders it, Playwright drives it.
// The extension host is a Node process under the server, so extension code
// and its tests run on Node as in desktop VS Code's remote mode.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { constants, homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

// The line CI reads (see test/integration/index.ts). It is held back from the
// forwarded logs so the runner can print it, unprefixed, as its very last line.
const SUMMARY_LINE = /^\d+ passed, \d+ failed(, \d+ skipped)?$/;
let summary;

/**
 * Where forwarded lines go unless a caller passes its own `logs` (run-tests.mjs
 * passes a LogBuffer, see logBuffer.mjs): printed at once with their source.
 * console.log is looked up at each call: bench/vscode.mjs redirects it.
 */
const PRINT_LOGS = { add: (source, line) => line.trim() && console.log(`${source} ${line}`) };

/** The suite's "N passed, N failed" line, once it has been logged. */
export function testSummary() {
  return summary;
}

export function log(msg) {
  console.log(`[runner] ${msg}`);
}

// Last-resort cleanup, whatever ends this process (an exception, a timeout in
// the middle of startup, process.exit): the server runs detached in its own
// process group, so nothing else would stop it. Servers go before folders
// because they write into them. (Playwright kills its browsers on exit itself.)
const liveServerGroups = new Set();
const liveTmpDirs = new Set();
process.on("exit", () => {
  for (const pgid of liveServerGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const dir of liveTmpDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** Exit code of a process killed by `signal`, the shell's convention. */
export function signalExitCode(signal) {
  return 128 + (constants.signals[signal] ?? 1);
}

// Death by a signal skips the 'exit' hook above; exiting instead runs it. Only
// when no caller handles the signal (run-tests.mjs and withWorkbench close
// things gracefully themselves).
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    if (process.listenerCount(sig) === 1) process.exit(signalExitCode(sig));
  });
}

/** Folder holding out/server-main.js, or throws saying how to install it. */
export function findServer() {
  const dir =
    process.env.FEATURE_MAPS_VSCODE_SERVER ||
    join(
      process.env.FEATURE_MAPS_VSCODE_DIR || join(homedir(), ".cache/feature-maps/vscode-server"),
      "node_modules/code-server/lib/vscode",
    );
  if (!existsSync(join(dir, "out/server-main.js"))) {
    throw new Error(`no VS Code server in ${dir}; run scripts/install-vscode-server.sh first`);
  }
  return dir;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function printLine(logs, prefix, line) {
  if (SUMMARY_LINE.test(line.trim())) summary = line.trim();
  else logs.add(prefix, line);
}

function forwardLines(stream, logs, prefix) {
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => printLine(logs, prefix, line));
}

/** vscode-remote URI of a local path, as the workbench served from `origin` names it. */
function remoteUri(origin, path) {
  return `vscode-remote://${new URL(origin).host}${pathToFileURL(resolve(path)).pathname}`;
}

/**
 * Workbench URL opening `folder`. The payload carries what desktop VS Code
 * takes as command-line flags (--extensionDevelopmentPath etc.).
 */
export function workbenchUrl(origin, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const payload = [["skipWelcome", "true"]];
  if (extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", remoteUri(origin, extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(["extensionTestsPath", remoteUri(origin, extensionTestsPath)]);
  const q = new URLSearchParams({ folder: resolve(folder), payload: JSON.stringify(payload) });
  return `${origin}/?${q}`;
}

/** Args shared by the serving and the CLI (--install-extension) modes of the server. */
function dataDirArgs(tmpRoot, extensionsDir) {
  return [
    // Nothing from ~/.vscode-server or an earlier run may leak in.
    "--server-data-dir", join(tmpRoot, "server-data"),
    "--user-data-dir", join(tmpRoot, "server-data/data"),
    "--extensions-dir", extensionsDir,
    "--accept-server-license-terms",
  ];
}

/**
 * Starts the VS Code server and waits until it answers HTTP. Its output goes to
 * `logs` (default: printed; `quiet` drops its stdout).
 */
export async function startServer({ tmpRoot, extensionsDir, env, quiet, logs = PRINT_LOGS }) {
  const serverDir = findServer();
  const port = await freePort();
  const args = [
    join(serverDir, "out/server-main.js"),
    "--host", "127.0.0.1",
    "--port", String(port),
    "--without-connection-token",
    ...dataDirArgs(tmpRoot, extensionsDir),
    // The trust dialog would block a UI script and restrict an untrusted workspace.
    "--disable-workspace-trust",
    "--disable-telemetry",
    // Otherwise the server runs `bash -i -l` to read a login shell's
    // environment for the extension host: slow, and it makes tests depend on
    // root's dotfiles instead of the environment the runner was given.
    "--force-disable-user-env",
  ];
  const t0 = Date.now();
  // detached: its own process group, so stop() also reaches the extension
  // host and the other helpers (file watcher, pty host) the server forks.
  const proc = spawn(process.execPath, args, {
    cwd: tmpRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  liveServerGroups.add(proc.pid);
  if (quiet) proc.stdout.resume();
  else forwardLines(proc.stdout, logs, "[server]");
  forwardLines(proc.stderr, logs, "[server:err]");
  const exited = new Promise((res) => proc.on("exit", (code, signal) => res({ code, signal })));

  const origin = `http://127.0.0.1:${port}`;
  let gone = false;
  exited.then(() => (gone = true));
  for (;;) {
    // A port taken between freePort() and the server's bind shows up here.
    if (gone) throw new Error("the VS Code server exited during startup (see its [server] lines)");
    if (Date.now() - t0 > 60_000) throw new Error("the VS Code server did not answer within 60 s");
    try {
      if ((await fetch(`${origin}/version`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  logs.add("[runner]", `VS Code server up at ${origin} in ${Date.now() - t0} ms`);

  const groupAlive = () => {
    try {
      process.kill(-proc.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // SIGTERM lets everything shut down cleanly. Wait for the whole group, not
  // just the server: the extension host may still be writing logs into the
  // data folder that is deleted next.
  const stop = async () => {
    if (groupAlive()) {
      process.kill(-proc.pid, "SIGTERM");
      for (const t1 = Date.now(); groupAlive() && Date.now() - t1 < 5000; ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (groupAlive()) process.kill(-proc.pid, "SIGKILL");
    }
    await exited;
    liveServerGroups.delete(proc.pid);
  };
  return { origin, exited, stop };
}

/** Chromium from Debian; Playwright's own browser download can't work offline. */
function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    // Callers' signal handlers close the browser and also stop the VS Code
    // server; Playwright's would end the process before they could.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // launch() gives every browser a fresh temporary profile of its own.
    // Without the networking flags Chromium keeps dialing Google's services,
    // which this machine's closed network refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Prefixes the page's console: the workbench's and the extension host's logs.
 * Returns drain(), which resolves once every message so far is printed.
 */
function forwardConsole(page, logs) {
  // Formatting needs the arguments' values, which arrive asynchronously; the
  // chain keeps lines in the order they were logged.
  let chain = Promise.resolve();
  page.on("console", (msg) => {
    const values = Promise.all(msg.args().map((a) => a.jsonValue()));
    chain = chain.then(async () => {
      const args = await values.catch(() => null);
      // Chromium's own messages ("Failed to load resource") have no arguments;
      // unserializable ones fall back to Playwright's rendering.
      const text = args?.length ? formatConsole(args) : msg.text();
      for (const line of text.split("\n")) printLine(logs, `[browser:${msg.type()}]`, line);
    });
  });
  page.on("pageerror", (err) => {
    for (const line of String(err.stack ?? err).split("\n")) printLine(logs, "[browser:pageerror]", line);
  });
  return () => Promise.race([chain, new Promise((r) => setTimeout(r, 5000))]);
}

// console.log's printf-like formatting, reduced to what a log needs. The
// workbench prints a forwarded extension-host line as its own styled format
// (%c: CSS, dropped) followed by the original arguments, whose first string is
// again a format (mocha's "%s (%dms)"); so every format string found among the
// arguments is expanded with the arguments after it.
function formatConsole(args) {
  const str = (v) =>
    typeof v === "string" ? v : v instanceof Error ? String(v.stack ?? v) : (JSON.stringify(v) ?? String(v));
  const out = [];
  for (let i = 0; i < args.length; ) {
    let v = args[i++];
    if (typeof v === "string") {
      v = v.replace(/%[csdifoO%]/g, (spec) => {
        if (spec === "%%") return "%";
        if (i >= args.length) return spec;
        const arg = args[i++];
        return spec === "%c" ? "" : str(arg);
      });
    }
    out.push(str(v));
  }
  return out.join(" ");
}

/**
 * Installs a VSIX into `extensionsDir` with the server's CLI mode (the same
 * flags as desktop `code --install-extension X.vsix --extensions-dir DIR`).
 */
function installVsix(vsix, tmpRoot, extensionsDir, logs) {
  return new Promise((res, rej) => {
    const proc = spawn(
      process.execPath,
      [join(findServer(), "out/server-main.js"), "--install-extension", resolve(vsix), ...dataDirArgs(tmpRoot, extensionsDir)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    forwardLines(proc.stdout, logs, "[install]");
    forwardLines(proc.stderr, logs, "[install:err]");
    proc.on("error", rej);
    proc.on("exit", (code) => (code === 0 ? res() : rej(new Error(`installing ${vsix} failed (exit ${code})`))));
  });
}

/**
 * Starts a VS Code server and a browser on its workbench, with fresh data,
 * extensions and browser-profile folders. Returns { page, origin, workspace,
 * serverExited, drainLogs, close }; close() is idempotent and always safe to await.
 *
 * options:
 *   workspace                 folder to open (default: a fresh empty one)
 *   extensionDevelopmentPath  extension under development, or undefined for none
 *   extensionTestsPath        compiled suite to run (tests mode)
 *   extensionsDir             installed-extensions folder (default: fresh, empty)
 *   vsix                      VSIX file(s) to install into it first
 *   env                       extra environment for the server and extension host
 *   viewport                  browser viewport (default 1280x800)
 *   beforeNavigate(page)      hook run before the workbench loads (exposeFunction etc.)
 *   quiet                     don't forward the browser console / server stdout
 *   logs                      where forwarded lines go: an object with add(source, line)
 *                             (default: printed at once, "[source] line")
 */
export async function openWorkbench(options = {}) {
  const logs = options.logs ?? PRINT_LOGS;
  const tmpRoot = mkdtempSync(join(tmpdir(), "feature-maps-vscode-"));
  liveTmpDirs.add(tmpRoot);
  let server;
  let browser;
  let drainLogs = async () => {};
  let closing;
  const close = () =>
    (closing ??= (async () => {
      // The last lines (the test summary) must be printed before the page goes.
      await drainLogs();
      // Each step on its own: a hung browser must not keep the server alive.
      await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
      await server?.stop().catch(() => {});
      if (process.env.FEATURE_MAPS_KEEP_TMP) log(`kept ${tmpRoot}`);
      else rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
      liveTmpDirs.delete(tmpRoot);
    })());

  try {
    const extensionsDir = resolve(options.extensionsDir ?? join(tmpRoot, "extensions"));
    mkdirSync(extensionsDir, { recursive: true });
    for (const vsix of [options.vsix ?? []].flat()) await installVsix(vsix, tmpRoot, extensionsDir, logs);
    const workspace = resolve(options.workspace ?? join(tmpRoot, "workspace"));
    mkdirSync(workspace, { recursive: true });

    // The extension host runs a suite only alongside an extension under
    // development; to test installed extensions alone, give it an empty one.
    let { extensionDevelopmentPath } = options;
    if (options.extensionTestsPath && !extensionDevelopmentPath) {
      extensionDevelopmentPath = join(tmpRoot, "no-extension");
      mkdirSync(extensionDevelopmentPath);
    }

    server = await startServer({ tmpRoot, extensionsDir, env: options.env, quiet: options.quiet, logs });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    if (!options.quiet) drainLogs = forwardConsole(page, logs);
    await options.beforeNavigate?.(page);
    const url = workbenchUrl(server.origin, {
      folder: workspace,
      extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
    });
    // Generous: callers' own timeouts should decide a slow machine's fate.
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 120_000 });
    return { page, origin: server.origin, workspace, serverExited: server.exited, drainLogs, close };
  } catch (err) {
    await close();
    throw err;
  }
}
