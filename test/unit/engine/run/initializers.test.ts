import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { describe, it } from "node:test";
import { BUILTIN_MODEL, prepareModel } from "../../../../src/engine/model/models";
import { DrawnWeights } from "../../../../src/engine/model/weights";
import { withInitializers } from "../../../../src/engine/run/initializers";
import { openSession } from "../../../../src/engine/run/session";

// On CUDA a built model's weights become initializers (copied to the GPU once, not fed at every
// run). The CPU keeps feeding them; the moved graph must compute the same thing.

const BUDGET = 1024 * 2 ** 20;

function input(seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: 3 * 100 * 100 }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

describe("weights as initializers", () => {
  it("give the same outputs as weights fed as inputs, for every layer of the built-in model (max |diff| 1e-6 of the layer's range)", async () => {
    const model = await prepareModel(BUILTIN_MODEL, new DrawnWeights(), BUDGET);
    const parameters = model.parameters ?? new Map();
    assert.ok(parameters.size > 0);
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ["cpu"], graphOptimizationLevel: "extended" };
    const fed = await ort.InferenceSession.create(model.bytes, options);
    const held = await ort.InferenceSession.create(withInitializers(model.bytes, parameters), options);
    assert.deepEqual(held.inputNames, [model.inputName], "the weights are no longer inputs");
    assert.ok(fed.inputNames.length === parameters.size + 1);
    const image = new ort.Tensor("float32", input(7), [1, 3, 100, 100]);
    const weights = Object.fromEntries([...parameters].map(([k, t]) => [k, new ort.Tensor("float32", t.data, t.shape)]));
    const a = await fed.run({ ...weights, [model.inputName]: image });
    const b = await held.run({ [model.inputName]: image });
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const name of Object.keys(a)) {
      const x = a[name].data as Float32Array;
      const y = b[name].data as Float32Array;
      let range = 0;
      let diff = 0;
      for (let i = 0; i < x.length; i++) {
        range = Math.max(range, Math.abs(x[i]));
        diff = Math.max(diff, Math.abs(x[i] - y[i]));
      }
      assert.ok(diff <= 1e-6 * Math.max(range, 1), `${name}: max |diff| ${diff} over a range of ${range}`);
    }
  });

  it("are left as inputs on the CPU: the CPU path is unchanged", async () => {
    const model = await prepareModel(BUILTIN_MODEL, new DrawnWeights(), BUDGET);
    const opened = await openSession(model.bytes, { provider: "cpu" }, model.parameters);
    assert.equal(opened.session.inputNames.length, (model.parameters?.size ?? 0) + 1);
    assert.deepEqual(opened.provider, { wanted: "cpu", used: "cpu" });
  });

  it("leave a model without such inputs as it was", async () => {
    const model = await prepareModel(BUILTIN_MODEL, new DrawnWeights(), BUDGET);
    assert.equal(withInitializers(model.bytes, new Map()), model.bytes);
  });
});
