import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LayerInfo } from "../../../src/shared/protocol";
import { applyChange, defaultLayer, EXPLAIN_INITIAL, explainParams, restoreExplain } from "../../../webview-ui/explain/settings";

const layer = (id: string, shape: number[]): LayerInfo => ({ id, name: id, op: "Conv", kind: "conv", shape });

describe("the Explain view's settings", () => {
  it("restore only what is still valid", () => {
    assert.deepEqual(restoreExplain(undefined), EXPLAIN_INITIAL);
    assert.deepEqual(restoreExplain({ methods: ["scorecam", "lime", "scorecam", "gradcam"], layer: "features.30", classIndex: 3, opacity: 0.8, colormap: "turbo" }), {
      methods: ["scorecam", "gradcam"],
      layer: "features.30",
      classIndex: 3,
      opacity: 0.8,
      colormap: "turbo",
    });
    assert.deepEqual(restoreExplain({ methods: ["lime"], layer: "", classIndex: -1, opacity: 3, colormap: "coolwarm" }), { ...EXPLAIN_INITIAL, layer: undefined, classIndex: undefined });
  });

  it("take the host's change; null puts the layer and the class back to their defaults", () => {
    const s = applyChange(EXPLAIN_INITIAL, { methods: ["eigencam"], layer: "features.7", classIndex: 2, opacity: 0.25 });
    assert.deepEqual(s, { ...EXPLAIN_INITIAL, methods: ["eigencam"], layer: "features.7", classIndex: 2, opacity: 0.25 });
    assert.deepEqual(applyChange(s, { layer: null, classIndex: null }), { ...s, layer: undefined, classIndex: undefined });
    assert.deepEqual(applyChange(s, { methods: [], opacity: -1 }), s, "an empty method list or a bad opacity changes nothing");
  });

  it("default to the last layer whose spatial size is over 1, as the engine does", () => {
    const layers = [layer("a", [1, 8, 50, 50]), layer("b", [1, 8, 2, 1]), layer("c", [1, 8, 1, 1]), layer("fc", [1, 10])];
    assert.equal(defaultLayer(layers)?.id, "b");
    assert.equal(defaultLayer([layer("c", [1, 8, 1, 1])]), undefined);
  });

  it("leave occlusion's layer out and the class to the engine when unset", () => {
    assert.deepEqual(explainParams("occlusion", "b", undefined), { method: "occlusion", reduce: "sum", window: 16, stride: 8, baseline: 0 });
    assert.equal(explainParams("gradcam", "b", 7).layer, "b");
    assert.equal(explainParams("gradcam", "b", 7).classIndex, 7);
  });
});
