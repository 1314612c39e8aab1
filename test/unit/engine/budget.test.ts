import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../src/engine/engine";
import { BUILTIN_MODEL } from "../../../src/engine/model/models";
import { planLayers } from "../../../src/engine/run/estimate";
import { errorCode } from "../../../src/shared/errors";
import type { LayerRequest } from "../../../src/shared/protocol";
import { runCliBounded } from "../../support/bounded";
import { SAMPLE_IMAGE } from "../../support/paths";
import { tinyModel } from "../../support/tinyOnnx";

const MB = 1024 * 1024;
const at = (size: number) => ({ input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL, preprocessing: { height: size, width: size } });
const request = (layer: string, normalize: LayerRequest["normalize"] = "layer"): LayerRequest => ({ layer, start: 0, count: 8, order: "index", normalize, clipPercent: 0 });

describe("the memory budget", () => {
  // At 320x320 the built-in model's layers take about 370 MB together, one layer at most 26 MB.
  const roomy = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 1024 });
  const tight = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 128 });
  after(() => {
    roomy.dispose();
    tight.dispose();
  });

  it("holds every layer when they fit, and computes each layer on request when they do not", async () => {
    const held = await roomy.analyze(at(320));
    const computed = await tight.analyze(at(320));
    assert.equal(held.model.keeps, "all");
    assert.equal(computed.model.keeps, "requested");
    assert.deepEqual(computed.model.layers, held.model.layers, "the same layers and shapes, known without running");
    assert.deepEqual(computed.model.outputShape, held.model.outputShape);
    assert.ok(computed.bytes < 2 * MB, `only the input is held: ${computed.bytes} bytes`);
    for (const layer of ["features.0", "features.30", "classifier.5"]) {
      assert.deepEqual((await computed.activation(layer)).data, (await held.activation(layer)).data, layer);
      assert.deepEqual(await computed.layer(request(layer)), await held.layer(request(layer)), layer);
    }
  });

  it("refuses global normalisation when layers are computed one at a time", async () => {
    const computed = await tight.analyze(at(320));
    await assert.rejects(computed.layer(request("features.0", "global")), (e: unknown) => errorCode(e) === "OUT_OF_BUDGET" && /layer or channel normalisation/.test((e as Error).message));
  });

  it("refuses a layer that alone does not fit, with the figures, before running anything", async () => {
    const engine = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 128 });
    try {
      const big = await engine.analyze(at(1024));
      assert.equal(big.model.keeps, "requested");
      const before = engine.counts.runs;
      await assert.rejects(big.activation("features.0"), (e: unknown) => {
        assert.equal(errorCode(e), "OUT_OF_BUDGET");
        assert.match((e as Error).message, /XAI \(seed 0\) at 1024x1024: computing features\.0 needs about \d+ MB, over the memory budget of 128 MB/);
        return true;
      });
      assert.equal(engine.counts.runs, before, "no run was started");
    } finally {
      engine.dispose();
    }
  });
});

describe("the weights of an architecture", () => {
  it("are refused with the figures when they alone are over the budget, before any is drawn", async () => {
    const engine = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 1024 });
    try {
      const huge = {
        kind: "architecture" as const,
        label: "huge.featuremaps.json",
        architecture: { inputChannels: 3, steps: [{ group: "features", modules: [{ type: "conv2d" as const, in: 3, out: 1e9, kernel: 3, padding: 1, bias: false }] }] },
        weights: { seed: 0 },
        preprocessing: { height: 32, width: 32, channelOrder: "rgb" as const, scale: 1 / 255 },
      };
      await assert.rejects(engine.analyze({ input: { image: SAMPLE_IMAGE }, model: huge }), (e: unknown) => {
        assert.equal(errorCode(e), "OUT_OF_BUDGET");
        assert.match((e as Error).message, /^huge\.featuremaps\.json: its weights take 102997 MB, over the memory budget of 1024 MB/);
        return true;
      });
    } finally {
      engine.dispose();
    }
  });
});

describe("layer sizes known before a run", () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-budget-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("are exact for an architecture at any size", async () => {
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      const runner = await engine.open(BUILTIN_MODEL);
      for (const size of [100, 161]) {
        const planned = await planLayers(runner, size, size);
        const ran = await runner.run(new Float32Array(3 * size * size), size, size);
        assert.deepEqual(planned.map((p) => p.info), ran.layers, `${size}x${size}`);
        assert.deepEqual(planned.map((p) => p.bytes), ran.layers.map((l) => 4 * l.shape.reduce((a, b) => a * b, 1)));
      }
    } finally {
      engine.dispose();
    }
  });

  it("follow the input size for an ONNX model whose height and width are free", async () => {
    const file = path.join(dir, "dynamic.onnx");
    await fs.writeFile(file, tinyModel({ dynamic: true }));
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      const runner = await engine.open({ kind: "onnx", path: file });
      for (const size of [64, 300, 1000]) {
        const planned = await planLayers(runner, size, size);
        const ran = await runner.run(new Float32Array(size * size), size, size);
        assert.deepEqual(planned.map((p) => p.info), ran.layers, `${size}x${size}`);
      }
    } finally {
      engine.dispose();
    }
  });
});

describe("the CLI within the memory budget", () => {
  it("dumps one layer of a 1024x1024 input, computing only that layer", async () => {
    const out = path.join(os.tmpdir(), `fm-budget-${process.pid}.npy`);
    try {
      const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--size", "1024x1024", "--layer", "0", "--out", out], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, run.stderr);
      // The layers together would take about 3.8 GB; the budget is 1024 MB.
      assert.ok(run.peakMB < 1024 + 400, `peak ${run.peakMB} MB`);
      assert.equal((await fs.stat(out)).size, 128 + 64 * 1022 * 1022 * 4);
    } finally {
      await fs.rm(out, { force: true });
    }
  });

  it("refuses 4096x4096 with the figures, quickly and in little memory", async () => {
    const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--size", "4096x4096", "--layer", "0", "--out", path.join(os.tmpdir(), "never.npy")], { timeoutMs: 60_000 });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^feature-maps: XAI \(seed 0\) at 4096x4096: computing features\.0 needs about \d+ MB, over the memory budget of 1024 MB/);
    assert.ok(run.peakMB < 1024, `peak ${run.peakMB} MB`);
  });

  it("takes --memory-budget", async () => {
    const run = await runCliBounded(["layers", "--size", "512x512", "--memory-budget", "64"], { timeoutMs: 60_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--memory-budget takes a whole number of MB, at least 128, got 64/);
  });
});
