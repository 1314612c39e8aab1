import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MIN_LAYER_PANE, restoreState } from "../../../webview-ui/state";

describe("a webview's saved state", () => {
  it("keeps the layer list's width the user chose", () => {
    assert.equal(restoreState({ layersWidth: 420 }).layersWidth, 420);
    assert.equal(restoreState({ layersWidth: MIN_LAYER_PANE }).layersWidth, MIN_LAYER_PANE);
  });

  it("drops a width it cannot use, so the default applies", () => {
    for (const layersWidth of [MIN_LAYER_PANE - 1, -5, 300.5, "300", null, Infinity]) {
      assert.equal(restoreState({ layersWidth }).layersWidth, undefined, String(layersWidth));
    }
    assert.equal(restoreState(undefined).layersWidth, undefined);
  });

  it("keeps which view the panel showed and the Explain view's settings", () => {
    const restored = restoreState({ panel: "explain", explain: { methods: ["scorecam"], opacity: 0.3, colormap: "viridis" } });
    assert.equal(restored.panel, "explain");
    assert.deepEqual(restored.explain.methods, ["scorecam"]);
    assert.equal(restored.explain.opacity, 0.3);
    assert.equal(restoreState({ panel: "zoo" }).panel, "grid");
    assert.equal(restoreState({}).explain.colormap, "jet");
  });
});
