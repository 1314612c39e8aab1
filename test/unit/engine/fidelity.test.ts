import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Analysis } from "../../../src/engine/analysis/analysis";
import { FeatureMapsEngine } from "../../../src/engine/engine";
import { BUILTIN_MODEL } from "../../../src/engine/model/models";
import { SAMPLE_IMAGE } from "../../support/paths";
import { assertLayerMatches, type ReferenceLayer, referenceInput, referenceLayers } from "../../support/reference";

// The built-in model with seed 0 against PyTorch running the seed's own code on the same weights
// (scripts/make_reference.py); every module and the output are compared.
describe("built-in XAI model equals PyTorch on every layer", () => {
  const engine = new FeatureMapsEngine({ provider: "cpu" });
  let fromTensor: Analysis;
  let fromImage: Analysis;
  let layers: ReferenceLayer[];

  before(async () => {
    layers = await referenceLayers();
    fromTensor = await engine.analyze({ input: { tensor: await referenceInput(), height: 100, width: 100, label: "input.npy" }, model: BUILTIN_MODEL });
    fromImage = await engine.analyze({ input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL });
  });
  after(() => engine.dispose());

  it("lists PyTorch's 59 modules and output in order, plus forward's view(-1, 512); output [9, 2]", async () => {
    assert.equal(layers.length, 59);
    const expected = layers.map((l) => l.id);
    expected.splice(expected.indexOf("classifier.0"), 0, "view");
    assert.deepEqual(fromTensor.model.layers.map((l) => l.id), expected);
    assert.deepEqual((await fromTensor.activation("view")).shape, [9, 512]);
    assert.deepEqual(fromTensor.model.outputShape, [9, 2]);
  });

  it("feeds the same input from the image as cv2.imread + cv2.resize + ToTensor", async () => {
    assert.deepEqual(fromImage.input, await referenceInput());
  });

  it("matches each layer within 1e-4 absolute and 1e-5 of the layer's magnitude", async () => {
    for (const ref of layers) await assertLayerMatches(fromTensor, ref.id, ref);
  });
});
