import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExplainParams, ExplainReply } from "../../../src/shared/explain";
import { ExplainRuns, type RunState } from "../../../webview-ui/explain/runs";
import { explainParams, runKey } from "../../../webview-ui/explain/settings";

interface Call {
  readonly params: ExplainParams;
  readonly signal: AbortSignal;
  progress(done: number, total: number): void;
  resolve(reply: ExplainReply | undefined): void;
  reject(error: Error): void;
}

function reply(params: ExplainParams): ExplainReply {
  return { method: params.method, classIndex: params.classIndex ?? 0, score: 1, top: [], height: 1, width: 2, map: new Float32Array(2) };
}

/** Runs against a fake host that answers only when the test says so. */
function setup() {
  const calls: Call[] = [];
  const changes: [string, RunState][] = [];
  const runs = new ExplainRuns(
    (params, signal, onProgress) =>
      new Promise<ExplainReply | undefined>((resolve, reject) => {
        calls.push({ params, signal, progress: onProgress, resolve, reject });
        // As Requests does: a cancelled call resolves undefined.
        signal.addEventListener("abort", () => resolve(undefined));
      }),
    (key, state) => changes.push([key, state]),
  );
  return { runs, calls, changes };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const gradcam = explainParams("gradcam", undefined, undefined);
const scorecam = explainParams("scorecam", undefined, undefined);

describe("the Explain view's runs", () => {
  it("start what is shown once; a finished map is shown again without a run", async () => {
    const { runs, calls } = setup();
    runs.want([gradcam]);
    runs.want([gradcam]);
    assert.equal(calls.length, 1);
    calls[0].resolve(reply(gradcam));
    await settle();
    assert.equal(runs.state(gradcam)?.kind, "done");
    runs.want([scorecam]);
    runs.want([gradcam]);
    assert.deepEqual(calls.map((c) => c.params.method), ["gradcam", "scorecam"]);
    assert.equal(runs.state(gradcam)?.kind, "done");
  });

  it("switching method cancels the run in flight; switching back runs it anew", async () => {
    const { runs, calls } = setup();
    runs.want([scorecam]);
    calls[0].progress(2, 16);
    assert.deepEqual(runs.state(scorecam), { kind: "running", done: 2, total: 16 });
    runs.want([gradcam]);
    assert.ok(calls[0].signal.aborted, "Score-CAM was cancelled");
    assert.ok(!calls[1].signal.aborted);
    await settle();
    assert.equal(runs.state(scorecam), undefined, "a cancelled run leaves nothing behind");
    runs.want([scorecam]);
    assert.equal(calls.length, 3);
  });

  it("switching class cancels every run of the old class, not those still shown", () => {
    const { runs, calls } = setup();
    const a = [explainParams("gradcam", "l", 1), explainParams("eigencam", "l", 1)];
    runs.want(a);
    runs.want([explainParams("gradcam", "l", 2), explainParams("eigencam", "l", 2)]);
    assert.deepEqual(calls.map((c) => c.signal.aborted), [true, true, false, false]);
    assert.equal(runs.running, 2);
  });

  it("a user's cancel stays until retried; a late answer of a stopped run is ignored", async () => {
    const { runs, calls, changes } = setup();
    runs.want([scorecam]);
    runs.cancel(scorecam);
    assert.ok(calls[0].signal.aborted);
    runs.want([scorecam]);
    assert.equal(calls.length, 1, "not restarted by itself");
    assert.equal(runs.state(scorecam)?.kind, "cancelled");
    runs.retry(scorecam);
    assert.equal(calls.length, 2);
    calls[0].resolve(reply(scorecam));
    await settle();
    assert.equal(runs.state(scorecam)?.kind, "running");
    calls[1].reject(new Error("boom"));
    await settle();
    assert.deepEqual(runs.state(scorecam), { kind: "failed", message: "boom" });
    assert.equal(changes.at(-1)?.[0], runKey(scorecam));
  });

  it("clear cancels everything and forgets finished maps", async () => {
    const { runs, calls } = setup();
    runs.want([gradcam, scorecam]);
    calls[0].resolve(reply(gradcam));
    await settle();
    runs.clear();
    assert.ok(calls[1].signal.aborted);
    assert.equal(runs.state(gradcam), undefined);
    runs.want([gradcam]);
    assert.equal(calls.length, 3);
  });

  it("keeps a bounded number of finished maps, never one on screen", async () => {
    const { runs, calls } = setup();
    const shown = explainParams("gradcam", "l", 0);
    for (let c = 0; c < 40; c++) {
      runs.want([shown, explainParams("eigencam", "l", c)]);
      for (const call of calls.splice(0)) call.resolve(reply(call.params));
      await settle();
    }
    assert.equal(runs.state(shown)?.kind, "done");
    assert.equal(runs.state(explainParams("eigencam", "l", 0)), undefined, "the oldest went");
    assert.equal(runs.state(explainParams("eigencam", "l", 39))?.kind, "done");
  });
});
