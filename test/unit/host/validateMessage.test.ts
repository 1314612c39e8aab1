import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_CODES } from "../../../src/shared/errors";
import { hintFor } from "../../../src/host/errorHints";
import { HOST_PARAMS, validateNotice, WEBVIEW_RESULTS } from "../../../src/host/validateMessage";

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
