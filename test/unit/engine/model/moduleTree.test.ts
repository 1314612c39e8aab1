import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { ancestorsByName } from "../../../../src/engine/model/moduleTree";

describe("module tree of a built model", () => {
  it("puts each id in the modules its name sits in, innermost first, a repeated call and a functional step too", () => {
    const ids = ["conv1", "layer1.0.conv1", "layer1.0.relu#1", "layer1.0.add", "layer1.0.relu", "layer1.0", "layer1", "fc"];
    const tree = ancestorsByName(ids);
    assert.deepEqual(tree.get("layer1.0.relu#1"), ["layer1.0", "layer1"]);
    assert.deepEqual(tree.get("layer1.0.add"), ["layer1.0", "layer1"]);
    assert.deepEqual(tree.get("layer1.0"), ["layer1"]);
    assert.deepEqual(tree.get("conv1"), []);
    // The built-in model's features.N have no `features` layer: its list stays flat.
    assert.deepEqual(ancestorsByName(["features.0", "features.1"]).get("features.1"), []);
  });

  it("resnet18's layers carry their parent module to the panel", async () => {
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      const tensor = new Float32Array(3 * 64 * 64);
      const analysis = await engine.analyze({ input: { tensor, height: 64, width: 64, label: "zeros" }, model: { kind: "torchvision", name: "resnet18", weights: { seed: 0 } } });
      const parent = new Map(analysis.model.layers.map((l) => [l.id, l.parent]));
      assert.equal(parent.get("layer4"), undefined);
      assert.equal(parent.get("layer4.1"), "layer4");
      assert.equal(parent.get("layer4.1.conv2"), "layer4.1");
      assert.equal(parent.get("layer2.0.downsample.0"), "layer2.0.downsample");
    } finally {
      engine.dispose();
    }
  });
});
