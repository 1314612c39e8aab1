import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_CODES } from "../../../src/shared/errors";
import { hintFor } from "../../../src/host/errorHints";
import { COMPARE_PARAMS, COMPARE_RESULTS, HOST_PARAMS, validateNotice, WEBVIEW_RESULTS } from "../../../src/host/validateMessage";

describe("checks of what a webview sends", () => {
  const good = { layer: "features.0", start: 0, count: 16, order: "index", normalize: "channel", clipPercent: 0 };

  it("accepts a well-formed layer request", () => {
    assert.deepEqual(HOST_PARAMS.layer({ request: good, shown: true }), { request: { ...good, channels: undefined }, shown: true });
  });

  it("refuses every malformed field", () => {
    for (const request of [
      { ...good, count: 0 },
      { ...good, count: 1e6 },
      { ...good, normalize: "weird" },
      { ...good, clipPercent: 60 },
      { ...good, layer: "" },
      { ...good, channels: [1, -1] },
      { ...good, order: 5 },
    ]) {
      assert.equal(HOST_PARAMS.layer({ request, shown: false }), undefined, JSON.stringify(request));
    }
    assert.equal(HOST_PARAMS.layer({ request: good, shown: "yes" }), undefined);
    assert.equal(HOST_PARAMS.channel({ layer: "x", channel: 1.5 }), undefined);
    assert.equal(HOST_PARAMS.export({ kind: "exe", layer: "x" }), undefined);
    assert.equal(HOST_PARAMS.layer(null), undefined);
  });

  it("takes notices it knows and refuses the rest", () => {
    assert.deepEqual(validateNotice({ type: "ready" }), { notice: { type: "ready" } });
    assert.ok("error" in validateNotice(null));
    assert.ok("error" in validateNotice({ type: "rm -rf" }));
    assert.ok("error" in validateNotice({ type: "painted", layer: "x", channels: [], tiles: 1, view: "seed" }));
    assert.deepEqual(validateNotice({ type: "navigate", action: "next", extra: 1 }), { notice: { type: "navigate", action: "next" } });
    assert.ok("error" in validateNotice({ type: "navigate", action: "delete" }));
  });

  it("takes a snapshot only when its pixels are exactly width x height x 4 bytes", () => {
    const layout = { layer: "x", channels: [0, 1], columns: 2, tileWidth: 2, tileHeight: 2, gap: 1, colormap: "viridis" };
    const snapshot = (width: number, height: number, bytes: number) => ({ picture: { width, height, rgba: new Uint8ClampedArray(bytes) }, layout });
    assert.ok(WEBVIEW_RESULTS.snapshot(snapshot(5, 2, 40)));
    assert.equal(WEBVIEW_RESULTS.snapshot(snapshot(5, 2, 39)), undefined);
    assert.equal(WEBVIEW_RESULTS.snapshot(snapshot(5, 2, 4000)), undefined);
    assert.equal(WEBVIEW_RESULTS.snapshot({ ...snapshot(5, 2, 40), layout: { ...layout, colormap: "nope" } }), undefined);
  });
});

describe("checks of the Explain view's messages", () => {
  it("export of an overlay: a known kind and method only", () => {
    assert.deepEqual(HOST_PARAMS.exportExplain({ kind: "npy", method: "scorecam" }), { kind: "npy", method: "scorecam" });
    assert.deepEqual(HOST_PARAMS.exportExplain({ kind: "png", method: "gradcam++", extra: 1 }), { kind: "png", method: "gradcam++" });
    for (const bad of [{ kind: "exe", method: "gradcam" }, { kind: "png", method: "lime" }, { kind: "png" }, null, "png"]) {
      assert.equal(HOST_PARAMS.exportExplain(bad), undefined, JSON.stringify(bad));
    }
  });

  it("an overlay only when its pixels and its map are exactly the sizes they claim", () => {
    const overlay = (width: number, height: number, bytes: number, mapH: number, mapW: number, values: number) => ({
      picture: { width, height, rgba: new Uint8ClampedArray(bytes) },
      method: "gradcam",
      layer: "features.51",
      classIndex: 3,
      opacity: 0.5,
      colormap: "jet",
      height: mapH,
      width: mapW,
      map: new Float32Array(values),
    });
    assert.ok(WEBVIEW_RESULTS.overlay(overlay(5, 2, 40, 3, 4, 12)));
    assert.equal(WEBVIEW_RESULTS.overlay(overlay(5, 2, 39, 3, 4, 12)), undefined, "short pixels");
    assert.equal(WEBVIEW_RESULTS.overlay(overlay(5, 2, 40, 3, 4, 13)), undefined, "a map longer than it says");
    assert.equal(WEBVIEW_RESULTS.overlay(overlay(5, 2, 40, 1 << 20, 1 << 20, 12)), undefined, "a huge claimed map");
    assert.equal(WEBVIEW_RESULTS.overlay({ ...overlay(5, 2, 40, 3, 4, 12), map: Array.from({ length: 12 }, () => 0) }), undefined, "a JSON array");
    assert.equal(WEBVIEW_RESULTS.overlay({ ...overlay(5, 2, 40, 3, 4, 12), colormap: "coolwarm" }), undefined, "not an overlay colormap");
    assert.equal(WEBVIEW_RESULTS.overlay({ ...overlay(5, 2, 40, 3, 4, 12), opacity: 2 }), undefined);
    assert.equal(WEBVIEW_RESULTS.overlay({ ...overlay(5, 2, 40, 3, 4, 12), method: "lime" }), undefined);
  });

  it("the explained notice", () => {
    const good = { type: "explained", method: "eigencam", layer: "features.51", classIndex: 0, opacity: 0.5, colormap: "turbo" };
    assert.deepEqual(validateNotice(good), { notice: good });
    assert.ok("error" in validateNotice({ ...good, classIndex: -1 }));
    assert.ok("error" in validateNotice({ ...good, colormap: "gray" }));
  });
});

describe("error hints", () => {
  it("come from the code: the setting to change where there is one", () => {
    assert.match(hintFor("IMAGE_TOO_LARGE") ?? "", /maxMegapixels/);
    assert.match(hintFor("MODEL_INVALID") ?? "", /featureMaps\.model/);
    assert.match(hintFor("CUDA_UNAVAILABLE") ?? "", /executionProvider/);
    assert.equal(hintFor("CANCELLED"), undefined);
  });

  it("cover every code", () => {
    for (const code of ERROR_CODES) assert.doesNotThrow(() => hintFor(code));
  });
});

describe("checks of the compare view's messages", () => {
  const good = { layer: "features.28", start: 0, count: 8, range: "channel" };

  it("a compare request: a layer, a page within bounds, a known range mode", () => {
    assert.deepEqual(COMPARE_PARAMS.compare({ request: good }), { request: good });
    assert.deepEqual(COMPARE_PARAMS.compare({ request: { ...good, range: "layer", extra: 1 } }), { request: { ...good, range: "layer" } });
    for (const request of [{ ...good, count: 0 }, { ...good, count: 100_000 }, { ...good, start: -1 }, { ...good, range: "global" }, { ...good, layer: "" }, null]) {
      assert.equal(COMPARE_PARAMS.compare({ request }), undefined, JSON.stringify(request));
    }
    assert.deepEqual(COMPARE_PARAMS.open({}), {});
    assert.equal(COMPARE_PARAMS.open("x"), undefined);
  });

  it("an export: png or npz of a layer only", () => {
    assert.deepEqual(COMPARE_PARAMS.exportCompare({ kind: "npz", layer: "x" }), { kind: "npz", layer: "x" });
    for (const bad of [{ kind: "npy", layer: "x" }, { kind: "png", layer: 3 }, { kind: "png" }, null]) assert.equal(COMPARE_PARAMS.exportCompare(bad), undefined, JSON.stringify(bad));
  });

  it("a snapshot only when its pixels are their size and every row has its ranges", () => {
    const shot = { picture: { width: 2, height: 1, rgba: new Uint8ClampedArray(8) }, layer: "x", range: "layer", channels: [3, 1], tileWidth: 1, tileHeight: 1, gap: 0, colormap: "viridis", diffColormap: "coolwarm", low: [0, 0], high: [1, 1], limit: [1, 1] };
    assert.ok(COMPARE_RESULTS.snapshot(shot));
    assert.ok(COMPARE_RESULTS.show(shot));
    assert.equal(COMPARE_RESULTS.snapshot({ ...shot, limit: [1] }), undefined);
    assert.equal(COMPARE_RESULTS.snapshot({ ...shot, diffColormap: "rainbow" }), undefined);
    assert.equal(COMPARE_RESULTS.snapshot({ ...shot, picture: { width: 2, height: 1, rgba: new Uint8ClampedArray(9) } }), undefined);
  });
});
