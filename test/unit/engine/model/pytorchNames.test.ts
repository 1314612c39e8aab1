import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moduleOfNode } from "../../../../src/engine/model/pytorchNames";

describe("PyTorch export names", () => {
  it("maps node scopes to module names", () => {
    assert.equal(moduleOfNode("/features/features.30/Relu"), "features.30");
    assert.equal(moduleOfNode("/layer1/layer1.0/conv1/Conv"), "layer1.0.conv1");
    assert.equal(moduleOfNode("/Flatten"), undefined);
    assert.equal(moduleOfNode("Conv_12"), undefined);
  });
});
