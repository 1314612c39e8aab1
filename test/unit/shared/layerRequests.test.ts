import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openingLayer, openingRequest, sameLayerRequest } from "../../../src/shared/layerRequests";
import type { LayerInfo } from "../../../src/shared/protocol";
import { dataKey, layerRequest, planGrid, windowFetch } from "../../../webview-ui/grid/plan";
import { restoreState } from "../../../webview-ui/state";
import { TileStore } from "../../../webview-ui/grid/tileStore";

function layer(id: string, shape: number[]): LayerInfo {
  return { id, name: id, op: "Conv", kind: "conv", shape };
}

const xai = [layer("features.0", [1, 64, 98, 98]), layer("features.1", [1, 64, 98, 98]), layer("features.30", [1, 512, 12, 12])];

/** What a view with a fresh state asks for first, built by the webview's own code. */
function firstRequestOfNewView(layers: readonly LayerInfo[], pinned: readonly string[]) {
  const state = restoreState(undefined);
  const shown = openingLayer(layers, pinned, state.layer);
  assert.ok(shown);
  const settings = { ...state, layer: shown, normalize: "channel" as const, colormap: "viridis" as const, generation: 1 };
  const plan = planGrid(settings, 800);
  const range = windowFetch(plan, { top: 0, width: 800, height: 600 }, new TileStore(dataKey(settings)));
  assert.ok(range);
  return layerRequest(settings, plan, range);
}

describe("the tiles sent with a result", () => {
  it("are what a new view asks for first: the reference notebook's figure of its opening layer", () => {
    for (const [layers, pinned] of [
      [xai, []],
      [xai, ["features.30"]],
      [[layer("conv1", [1, 8, 20, 20])], []],
    ] as const) {
      const guess = openingRequest(layers, pinned, "channel");
      assert.ok(guess);
      assert.ok(sameLayerRequest(guess, firstRequestOfNewView(layers, pinned)), JSON.stringify({ guess, pinned }));
    }
  });

  it("are only used for exactly the request they answer", () => {
    const guess = openingRequest(xai, [], "channel");
    assert.ok(guess);
    assert.ok(sameLayerRequest(guess, { ...guess, channels: guess.channels && [...guess.channels] }));
    for (const other of [{ ...guess, normalize: "layer" as const }, { ...guess, clipPercent: 1 }, { ...guess, layer: "features.1" }, { ...guess, channels: undefined }, { ...guess, count: 15 }]) {
      assert.ok(!sameLayerRequest(guess, other), JSON.stringify(other));
    }
  });
});
