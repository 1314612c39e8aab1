// What the test runner prints of the logs it forwards (the VS Code server's
// output, the browser console with the extension host's console.log in it).
// Pure: no I/O but the `write` callback, so test/runner/logBuffer.test.mjs can
// drive it line by line.
//
// The suite loader (test/integration/index.ts) marks its lines when the runner
// asks it to (FEATURE_MAPS_TEST_MARKERS=1 in the extension host's environment):
//   <anything>@@fm-test@@ report <text>   a line of mocha's report: always printed, as <text>
//   <anything>@@fm-test@@ pass            a test passed: its logs are dropped
//   <anything>@@fm-test@@ fail <title>    a test or hook failed: its logs are printed
// (<anything>: the workbench puts its own prefix, " INFO ", before forwarded lines.)
// Every other line is a log line. Quiet mode keeps the log lines since the last
// test ended and prints them only if the next test fails; verbose mode prints
// every line as it comes, as the runner did before. A ring of the last lines
// seen is kept for when the run dies outside a test (see printTail).

export const MARKER = "@@fm-test@@";

/**
 * The marker in a line, if any: { kind: "report" | "pass" | "fail", text }.
 * Unknown kinds count as no marker, so a stray "@@fm-test@@" stays a log line.
 */
export function parseMarker(line) {
  const at = line.indexOf(MARKER);
  if (at < 0) return null;
  const m = /^ (report|pass|fail)(?: (.*))?$/s.exec(line.slice(at + MARKER.length));
  return m ? { kind: m[1], text: m[2] ?? "" } : null;
}

/** True for FM_VERBOSE / FEATURE_MAPS_VERBOSE set to anything but "", "0" or "false". */
export function verboseFromEnv(env = process.env) {
  const v = env.FM_VERBOSE ?? env.FEATURE_MAPS_VERBOSE ?? "";
  return v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

export class LogBuffer {
  /**
   * write(line): prints one line (default console.log, looked up at each call).
   * verbose: print every log line at once, nothing is held back.
   * maxTestLines: a failing test's logs keep at most its last this many lines.
   * tailLines: how many of the last lines printTail() shows.
   */
  constructor({ write = (line) => console.log(line), verbose = false, maxTestLines = 1000, tailLines = 150 } = {}) {
    this.write = write;
    this.verbose = verbose;
    this.maxTestLines = maxTestLines;
    this.tailLines = tailLines;
    /** Log lines since the last test ended (quiet mode), at most maxTestLines. */
    this.pending = [];
    this.pendingDropped = 0;
    /** The last tailLines log lines, whatever happened to them. */
    this.recent = [];
    /** Failures reported by the suite (tests and hooks). */
    this.failures = 0;
    this.sawMarkers = false;
  }

  /** One line from `source` ("[server]", "[browser:log]", ...). */
  add(source, line) {
    if (!line.trim()) return;
    const marker = parseMarker(line);
    if (marker) {
      this.sawMarkers = true;
      if (marker.kind === "report") this.write(marker.text);
      else if (marker.kind === "pass") this.#clearPending();
      else this.#testFailed(marker.text);
      return;
    }
    const text = `${source} ${line}`;
    this.recent.push(text);
    if (this.recent.length > this.tailLines) this.recent.shift();
    if (this.verbose) {
      this.write(text);
      return;
    }
    this.pending.push(text);
    if (this.pending.length > this.maxTestLines) {
      this.pending.shift();
      this.pendingDropped++;
    }
  }

  #clearPending() {
    this.pending = [];
    this.pendingDropped = 0;
  }

  #testFailed(title) {
    this.failures++;
    if (this.verbose) return; // already printed
    const n = this.pending.length + this.pendingDropped;
    const what = title ? `"${title}"` : "the failing test";
    if (n === 0) {
      this.write(`[runner] (no browser or server logs while ${what} ran)`);
      return;
    }
    this.write(`[runner] ---- logs while ${what} ran (${n} lines${this.pendingDropped ? `, the first ${this.pendingDropped} left out` : ""}) ----`);
    for (const line of this.pending) this.write(line);
    this.write(`[runner] ---- end of the logs of ${what} ----`);
    this.#clearPending();
  }

  /**
   * For a run that ends badly outside a test (the server does not start, a
   * timeout, a crash, a suite that fails to load): prints the last lines seen,
   * unless verbose mode printed them already. `why` says what happened.
   */
  printTail(why) {
    if (this.verbose || this.recent.length === 0) return;
    this.write(`[runner] ---- the last ${this.recent.length} log lines (${why}; FM_VERBOSE=1 prints all of them live) ----`);
    for (const line of this.recent) this.write(line);
    this.write("[runner] ---- end of the logs ----");
    this.recent = [];
    this.#clearPending();
  }
}
