import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import type { ModelRunner } from "../../../../src/engine/run/inference";
import { LayerSession } from "../../../../src/engine/scan/layerSession";
import { mapStatistics } from "../../../../src/engine/scan/mapStatistics";
import { NON_FINITE_SIDE, nonFiniteModel } from "../../../support/tinyOnnx";

// The scan reduces a layer to statistics inside the graph; a map holding NaN or ±Inf is read
// whole instead, so both give what the statistics of the maps themselves give.
const SIZE = NON_FINITE_SIDE * NON_FINITE_SIDE;
/** log of positives only: every value finite. */
const POSITIVE = Float32Array.from({ length: 3 * SIZE }, (_, i) => 0.1 + (i % 7) * 0.3);
/** -1 .. 1: log gives NaN, -Inf and finite values. */
const MIXED = Float32Array.from({ length: 3 * SIZE }, (_, i) => ((i % 5) - 2) * 0.5);
/** float32 sums in the graph against float64 sums here. */
const TOLERANCE = 1e-6;

let dir: string;
let runner: ModelRunner;
const engine = new FeatureMapsEngine({ provider: "cpu" });

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-scan-session-"));
  const file = path.join(dir, "nonfinite.onnx");
  await fs.writeFile(file, nonFiniteModel());
  runner = await engine.open({ kind: "onnx", path: file });
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

async function expected(input: Float32Array): Promise<{ readonly means: Float64Array; readonly maxima: Float64Array }> {
  const maps = await LayerSession.open(runner, "log/Log", NON_FINITE_SIDE, NON_FINITE_SIDE, 1);
  try {
    const batch = await maps.run(input, 1);
    return mapStatistics(batch.data, 1, batch.channels, batch.spatial, batch.channelsLast);
  } finally {
    await maps.release();
  }
}

describe("a scan's layer statistics reduced in the graph", () => {
  it("equal the maps' own statistics, finite maps and maps with NaN and -Inf alike", async () => {
    const reduced = await LayerSession.open(runner, "log/Log", NON_FINITE_SIDE, NON_FINITE_SIDE, 1, true);
    try {
      for (const [name, input] of [["positive", POSITIVE], ["mixed", MIXED]] as const) {
        const want = await expected(input);
        const got = await reduced.statistics(input, 1);
        assert.deepEqual(got.shape, [3, NON_FINITE_SIDE, NON_FINITE_SIDE], name);
        assert.equal(got.channels, 3, name);
        for (let c = 0; c < 3; c++) {
          assert.ok(Math.abs(got.means[c] - want.means[c]) <= TOLERANCE * Math.max(1, Math.abs(want.means[c])), `${name} channel ${c} mean: ${got.means[c]} vs ${want.means[c]}`);
          assert.ok(Math.abs(got.maxima[c] - want.maxima[c]) <= TOLERANCE * Math.max(1, Math.abs(want.maxima[c])), `${name} channel ${c} max: ${got.maxima[c]} vs ${want.maxima[c]}`);
        }
        if (name === "mixed") assert.ok([...want.means].every(Number.isFinite), "the fixture's mixed maps have finite values besides NaN and -Inf");
      }
    } finally {
      await reduced.release();
    }
  });
});
