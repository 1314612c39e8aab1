// node --test test/runner/logBuffer.test.mjs
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LogBuffer, MARKER, parseMarker, verboseFromEnv } from "./logBuffer.mjs";

/** A LogBuffer whose output is collected in `out`. */
function buffer(options = {}) {
  const out = [];
  return { out, logs: new LogBuffer({ write: (line) => out.push(line), ...options }) };
}
// As the workbench forwards the extension host's console.log.
const fromHost = (text) => ` INFO ${text}`;

describe("parseMarker", () => {
  it("finds the marker after the workbench's prefix", () => {
    assert.deepEqual(parseMarker(fromHost(`${MARKER} report     ✔ opens (12ms)`)), { kind: "report", text: "    ✔ opens (12ms)" });
    assert.deepEqual(parseMarker(`${MARKER} pass`), { kind: "pass", text: "" });
    assert.deepEqual(parseMarker(`${MARKER} fail panel opens`), { kind: "fail", text: "panel opens" });
  });
  it("keeps an empty report line (mocha's blank lines)", () => {
    assert.deepEqual(parseMarker(fromHost(`${MARKER} report `)), { kind: "report", text: "" });
    assert.deepEqual(parseMarker(fromHost(`${MARKER} report`)), { kind: "report", text: "" });
  });
  it("ignores lines without a known marker", () => {
    assert.equal(parseMarker("[Service Worker] registration failed"), null);
    assert.equal(parseMarker(`${MARKER} passed`), null);
    assert.equal(parseMarker(`${MARKER}report x`), null);
  });
});

describe("LogBuffer, quiet", () => {
  it("prints the report at once and drops the logs of a passing test", () => {
    const { out, logs } = buffer();
    logs.add("[server]", "Server bound to 127.0.0.1");
    logs.add("[browser:log]", fromHost(`${MARKER} report   panel`));
    logs.add("[browser:warning]", "An iframe which has both allow-scripts and allow-same-origin");
    logs.add("[browser:log]", fromHost(`${MARKER} report     ✔ opens (12ms)`));
    logs.add("[browser:log]", fromHost(`${MARKER} pass`));
    assert.deepEqual(out, ["  panel", "    ✔ opens (12ms)"]);
    assert.equal(logs.failures, 0);
  });

  it("prints the logs of a failing test after its report line, and only its own", () => {
    const { out, logs } = buffer();
    logs.add("[browser:log]", "before the first test");
    logs.add("[browser:log]", fromHost(`${MARKER} pass`));
    logs.add("[server:err]", "ENOTFOUND open-vsx.org");
    logs.add("[browser:error]", "Error: no webview");
    logs.add("[browser:log]", fromHost(`${MARKER} report     1) paints`));
    logs.add("[browser:log]", fromHost(`${MARKER} fail panel paints`));
    logs.add("[browser:log]", "after it");
    logs.add("[browser:log]", fromHost(`${MARKER} pass`));
    assert.deepEqual(out, [
      "    1) paints",
      '[runner] ---- logs while "panel paints" ran (2 lines) ----',
      "[server:err] ENOTFOUND open-vsx.org",
      "[browser:error] Error: no webview",
      '[runner] ---- end of the logs of "panel paints" ----',
    ]);
    assert.equal(logs.failures, 1);
  });

  it("says so when a failing test logged nothing", () => {
    const { out, logs } = buffer();
    logs.add("[browser:log]", `${MARKER} fail t`);
    assert.deepEqual(out, ['[runner] (no browser or server logs while "t" ran)']);
  });

  it("keeps a failing test's last lines only, and says how many it left out", () => {
    const { out, logs } = buffer({ maxTestLines: 2 });
    for (const i of [1, 2, 3, 4, 5]) logs.add("[server]", `line ${i}`);
    logs.add("[browser:log]", `${MARKER} fail t`);
    assert.deepEqual(out, [
      '[runner] ---- logs while "t" ran (5 lines, the first 3 left out) ----',
      "[server] line 4",
      "[server] line 5",
      '[runner] ---- end of the logs of "t" ----',
    ]);
  });

  it("skips blank log lines", () => {
    const { out, logs } = buffer();
    logs.add("[server]", "   ");
    logs.add("[browser:log]", `${MARKER} fail t`);
    assert.deepEqual(out, ['[runner] (no browser or server logs while "t" ran)']);
  });

  it("prints the last lines when the run dies, passed tests' too, once", () => {
    const { out, logs } = buffer({ tailLines: 3 });
    logs.add("[server]", "a");
    logs.add("[server]", "b");
    logs.add("[browser:log]", `${MARKER} pass`);
    logs.add("[server]", "c");
    logs.add("[server]", "d");
    logs.printTail("timeout");
    assert.deepEqual(out, [
      "[runner] ---- the last 3 log lines (timeout; FM_VERBOSE=1 prints all of them live) ----",
      "[server] b",
      "[server] c",
      "[server] d",
      "[runner] ---- end of the logs ----",
    ]);
    out.length = 0;
    logs.printTail("again");
    assert.deepEqual(out, []);
  });
});

describe("LogBuffer, verbose", () => {
  it("prints every line at once, the report without its marker, and never twice", () => {
    const { out, logs } = buffer({ verbose: true });
    logs.add("[server]", "up");
    logs.add("[browser:log]", fromHost(`${MARKER} report     1) paints`));
    logs.add("[browser:log]", fromHost(`${MARKER} fail panel paints`));
    logs.printTail("the suite failed");
    assert.deepEqual(out, ["[server] up", "    1) paints"]);
    assert.equal(logs.failures, 1);
  });
});

describe("verboseFromEnv", () => {
  it("reads FM_VERBOSE, else FEATURE_MAPS_VERBOSE", () => {
    assert.equal(verboseFromEnv({}), false);
    assert.equal(verboseFromEnv({ FM_VERBOSE: "1" }), true);
    assert.equal(verboseFromEnv({ FM_VERBOSE: "0" }), false);
    assert.equal(verboseFromEnv({ FM_VERBOSE: "false" }), false);
    assert.equal(verboseFromEnv({ FEATURE_MAPS_VERBOSE: "1" }), true);
    assert.equal(verboseFromEnv({ FM_VERBOSE: "", FEATURE_MAPS_VERBOSE: "1" }), false);
  });
});
