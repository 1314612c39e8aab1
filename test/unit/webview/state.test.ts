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
});
