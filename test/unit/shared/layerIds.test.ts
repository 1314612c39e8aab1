import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closeMatches, findLayer, unknownLayerMessage } from "../../../src/shared/layerIds";
import { openingLayer } from "../../../src/shared/layerRequests";
import type { LayerInfo } from "../../../src/shared/protocol";

const layer = (id: string, tensor?: string): LayerInfo => ({ id, name: id, op: "Conv", kind: "conv", shape: [1, 2, 3, 3], ...(tensor ? { tensor } : {}) });
const LAYERS = [
  layer("features.0"),
  layer("layer1.0.relu", "/layer1/layer1.0/relu_1/Relu_output_0"),
  layer("layer1.0", "/layer1/layer1.0/relu_1/Relu_output_0"),
  layer("layer2.0.downsample.0", "/layer2/layer2.0/downsample/downsample.0/Conv_output_0"),
];

describe("layer ids", () => {
  it("finds a layer by id, by its ONNX tensor (the module that makes it), or features.N by N", () => {
    assert.equal(findLayer(LAYERS, "layer1.0")?.id, "layer1.0");
    assert.equal(findLayer(LAYERS, "/layer1/layer1.0/relu_1/Relu_output_0")?.id, "layer1.0.relu");
    assert.equal(findLayer(LAYERS, "0")?.id, "features.0");
    assert.equal(findLayer(LAYERS, "layer9"), undefined);
  });

  it("suggests ids a few edits away, then ids containing what was typed", () => {
    const ids = LAYERS.map((l) => l.id);
    assert.deepEqual(closeMatches(ids, "layer2.0.downsample.downsample.0"), ["layer2.0.downsample.0"]);
    assert.equal(closeMatches(ids, "layer1.0.rleu")[0], "layer1.0.relu");
    assert.deepEqual(closeMatches(ids, "relu"), ["layer1.0.relu"]);
    assert.deepEqual(closeMatches(ids, "conv9"), []);
    assert.match(unknownLayerMessage("layer1.O", "m.onnx", ids), /^no layer "layer1\.O" in m\.onnx; layers are: features\.0, .*layer2\.0\.downsample\.0; did you mean layer1\.0(, [^?]+)?\?$/);
    assert.match(unknownLayerMessage("zzz", "m.onnx", ids), /^no layer "zzz" in m\.onnx; layers are: [^;]*$/);
  });

  it("compares a hostile id within a bound", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `m${i}.`.repeat(40));
    const started = Date.now();
    closeMatches(ids, "x".repeat(1000));
    closeMatches(ids, ids[7].slice(0, 200));
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
  });

  it("opens on a layer pinned by its tensor name", () => {
    assert.equal(openingLayer(LAYERS, ["/layer2/layer2.0/downsample/downsample.0/Conv_output_0"])?.id, "layer2.0.downsample.0");
  });
});
