import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { configRequest, lineOf, modulePathOfKey, problemSpan, readModelConfig, weightsProblems } from "../../../../src/engine/model/config";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import { writeSafetensors } from "../../../../src/engine/formats/safetensors";
import { ROOT, SAMPLE_IMAGE } from "../../../support/paths";

const EXAMPLE = path.join(ROOT, "examples", "xai.featuremaps.json");
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-config-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

function problemsOf(text: string, file = path.join(dir, "m.featuremaps.json")) {
  const { config, problems } = readModelConfig(text, file);
  return { config, problems: problems.map((p) => ({ line: lineOf(text, problemSpan(text, p).offset), message: p.message })) };
}

describe("examples/xai.featuremaps.json", () => {
  it("is the built-in model layer for layer: same ids, shapes and activations", async () => {
    const { config, problems } = readModelConfig(await fs.readFile(EXAMPLE, "utf8"), EXAMPLE);
    assert.deepEqual(problems, []);
    assert.ok(config);
    assert.deepEqual(config.images, [SAMPLE_IMAGE]);
    assert.deepEqual(config.pinned, ["features.0", "features.30"]);
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      const fromConfig = await engine.analyze(configRequest(config, SAMPLE_IMAGE));
      const builtin = await engine.analyze({ input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL });
      assert.deepEqual(fromConfig.model.layers, builtin.model.layers);
      for (const layer of builtin.model.layers) assert.deepEqual((await fromConfig.activation(layer.id)).data, (await builtin.activation(layer.id)).data, layer.id);
    } finally {
      engine.dispose();
    }
  });

  it("keeps its model when an edit changes only images, layers or display, and rebuilds it for the architecture or weights", async () => {
    const text = await fs.readFile(EXAMPLE, "utf8");
    const edited = (...pairs: [string, string][]) => {
      const changed = pairs.reduce((t, [from, to]) => (assert.ok(t.includes(from), from), t.replace(from, to)), text);
      const { config } = readModelConfig(changed, EXAMPLE);
      assert.ok(config);
      return configRequest(config, config.images[0]).model;
    };
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      const original = await engine.open(edited());
      const sameModel = edited(
        ['"colormap": "viridis"', '"colormap": "magma"'],
        ['"layers": ["features.0", "features.30"]', '"layers": ["features.2"]'],
        ['"images": ["../media/samples/chelsea.png"]', '"images": ["../test/fixtures/workspace/grace_hopper.jpg"]'],
      );
      assert.strictEqual(await engine.open(sameModel), original);
      assert.notStrictEqual(await engine.open(edited(['"seed": 0', '"seed": 1'])), original);
      assert.notStrictEqual(await engine.open(edited(['"out": 64, "kernel": 3, "padding": 0', '"out": 64, "kernel": 3, "padding": 1'])), original);
    } finally {
      engine.dispose();
    }
  });
});

describe("config problems land on the right line", () => {
  it("a channel mismatch names both modules, on the module's line", () => {
    const text = `{"model": {"architecture": {"steps": [{"group": "features", "modules": [
  {"type": "conv2d", "in": 3, "out": 32, "kernel": 3},
  {"type": "relu"},
  {"type": "conv2d", "in": 64, "out": 64, "kernel": 3}
]}]}}}`;
    assert.deepEqual(problemsOf(text).problems, [{ line: 4, message: "features.2 expects 64 input channels, features.1 gives 32" }]);
  });

  it("schema errors: a missing field, an unknown module type, an extra key", () => {
    const text = `{"model": {"architecture": {"steps": [{"group": "f", "modules": [
  {"type": "conv2d", "in": 3, "out": 8},
  {"type": "conv3d"},
  {"type": "relu", "inplace": true}
]}]}}}`;
    const { problems } = problemsOf(text);
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
    assert.match(problems[0].message, /must have required property 'kernel'/);
    assert.match(problems[1].message, /type: must be equal to one of the allowed values: conv2d, /);
    assert.match(problems[2].message, /must NOT have additional properties "inplace"/);
  });

  it("a spatial size that collapses to zero", () => {
    const text = `{"model": {"architecture": {"steps": [{"group": "f", "modules": [
  {"type": "maxpool2d", "kernel": 8},
  {"type": "maxpool2d", "kernel": 16}
]}]}}, "input": {"size": [64, 64]}}`;
    assert.deepEqual(problemsOf(text).problems, [{ line: 3, message: "f.1 (MaxPool2d) shrinks [1, 3, 8, 8] to [1, 3, 0, 0]: the input is too small for this depth" }]);
  });

  it("missing onnx, weights and image files", () => {
    const text = `{
  "model": {"onnx": "nowhere.onnx"},
  "images": ["here.png",
    "gone.png"]
}`;
    const { problems } = problemsOf(text);
    assert.deepEqual(problems, [
      { line: 2, message: "model nowhere.onnx does not exist (paths are relative to this config)" },
      { line: 3, message: "image here.png does not exist (paths are relative to this config)" },
      { line: 4, message: "image gone.png does not exist (paths are relative to this config)" },
    ]);
    const weights = `{"model": {"architecture": {"steps": [{"group": "f", "modules": [{"type": "relu"}]}]}},
 "weights": {"safetensors": "w.safetensors"}}`;
    assert.deepEqual(problemsOf(weights).problems, [{ line: 2, message: "weights file w.safetensors does not exist (paths are relative to this config)" }]);
  });

  it("broken JSON", () => {
    const { config, problems } = problemsOf('{"model": {"onnx": "a.onnx"},\n  "images": [,]}');
    assert.equal(config, undefined);
    assert.equal(problems[0].line, 2);
    assert.match(problems[0].message, /^JSON: ValueExpected/);
  });
});

describe("weights that do not fit the architecture", () => {
  it("name the key, and the key leads to its module", async () => {
    const weights = path.join(dir, "w.safetensors");
    await fs.writeFile(weights, writeSafetensors(new Map([["f.0.weight", { shape: [4, 3, 3, 3], data: new Float32Array(108) }]])));
    const file = path.join(dir, "w.featuremaps.json");
    const text = `{"model": {"architecture": {"steps": [{"group": "f", "modules": [{"type": "conv2d", "in": 3, "out": 8, "kernel": 3, "bias": false}]}]}},
 "weights": {"safetensors": "w.safetensors"}}`;
    const { config } = readModelConfig(text, file);
    assert.ok(config && config.model.kind === "architecture");
    assert.deepEqual(modulePathOfKey(config.model.architecture, "f.0.weight"), ["model", "architecture", "steps", 0, "modules", 0]);
    const problems = await weightsProblems(config);
    assert.deepEqual(problems.map((p) => lineOf(text, problemSpan(text, p).offset)), [1]);
    assert.match(problems[0].message, /f\.0\.weight is \[4, 3, 3, 3\], Conv2d f\.0 needs \[8, 3, 3, 3\]/);
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      await assert.rejects(engine.analyze(configRequest(config, SAMPLE_IMAGE)), /f\.0\.weight is \[4, 3, 3, 3\], Conv2d f\.0 needs \[8, 3, 3, 3\]/);
    } finally {
      engine.dispose();
    }
  });
});
