import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { lightGraph } from "../../../../src/engine/model/onnxGraph";
import { inputLayout } from "../../../../src/engine/model/onnxLayout";
import { assertClose, conv2d } from "../../../support/convRef";
import { DT, modelBytes, node, ramp, tensor, valueInfo } from "../../../support/onnxGraphs";
import { SAMPLE_IMAGE } from "../../../support/paths";

// TensorFlow/Keras models through tf2onnx take [N, H, W, C] images and transpose to NCHW around
// ONNX's conv ops. Images are fed transposed, and NHWC maps are shown channel by channel.

let dir: string;
const engine = new FeatureMapsEngine({ provider: "cpu" });
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-layout-"));
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

// Not square, so a mix-up of height and width shows.
const [H, W, C, M] = [6, 8, 3, 4];
const K = [0.5, 2, -1];
const WEIGHTS = ramp(M * C * 9, 7);
const BIAS = [0.1, -0.2, 0.3, -0.4];

function nhwcModel(): Uint8Array {
  return modelBytes({
    input: valueInfo("x", DT.FLOAT, [1, H, W, C]),
    nodes: [
      node("Mul", ["x", "k"], ["scaled"]),
      node("Transpose", ["scaled"], ["nchw"], { perm: [0, 3, 1, 2] }),
      node("Conv", ["nchw", "w"], ["conv"], { pads: [1, 1, 1, 1] }),
      node("Relu", ["conv"], ["relu"]),
      node("Transpose", ["relu"], ["back"], { perm: [0, 2, 3, 1] }),
      node("Add", ["back", "b"], ["y"]),
    ],
    initializers: [tensor("k", [C], DT.FLOAT, K), tensor("w", [M, C, 3, 3], DT.FLOAT, WEIGHTS), tensor("b", [M], DT.FLOAT, BIAS)],
    outputs: ["y"],
  });
}

describe("an NHWC model", () => {
  it("is fed NCHW tensors transposed and shows every map as [N, C, H, W] with the right values", async () => {
    const file = path.join(dir, "nhwc.onnx");
    await fs.writeFile(file, nhwcModel());
    // The engine's tensor is NCHW, as images make it.
    const x = Float32Array.from(ramp(C * H * W, 2));
    const a = await engine.analyze({ input: { tensor: x, height: H, width: W, label: "x" }, model: { kind: "onnx", path: file } });
    assert.deepEqual(a.model.inputShape, [1, H, W, C]);
    assert.deepEqual(
      a.model.layers.map((l) => [l.id, l.shape, l.layout]),
      [
        ["scaled", [1, C, H, W], "nhwc"],
        ["nchw", [1, C, H, W], undefined],
        ["conv", [1, M, H, W], undefined],
        ["relu", [1, M, H, W], undefined],
        ["back", [1, M, H, W], "nhwc"],
        ["y", [1, M, H, W], "nhwc"],
      ],
    );
    const plane = H * W;
    const scaled = Array.from(x, (v, i) => Math.fround(v * K[Math.floor(i / plane)]));
    assertClose((await a.activation("scaled")).data, scaled, 0, 0, "scaled");
    assertClose((await a.activation("nchw")).data, scaled, 0, 0, "nchw");
    const conv = conv2d(scaled, [C, H, W], WEIGHTS, [M, C, 3, 3], undefined, 1);
    assertClose((await a.activation("conv")).data, conv, 1e-5, 1e-5, "conv");
    const y = Array.from(conv, (v, i) => Math.max(0, v) + BIAS[Math.floor(i / plane)]);
    assertClose((await a.activation("y")).data, y, 1e-5, 1e-5, "y");
    // The shapes listed without a run are the ones the run gives.
    const planned = await engine.plan({ kind: "onnx", path: file }, H, W);
    assert.deepEqual(planned.layers, a.model.layers);
  });

  it("takes an image: 3 channels from the input's last axis, not 8 from its second", async () => {
    const file = path.join(dir, "nhwc-image.onnx");
    await fs.writeFile(file, nhwcModel());
    const a = await engine.analyze({ input: { image: SAMPLE_IMAGE }, model: { kind: "onnx", path: file } });
    assert.deepEqual(a.model.inputShape, [1, H, W, C]);
    assert.deepEqual(a.model.layers.at(-1)?.shape, [1, M, H, W]);
  });
});

describe("the input layout", () => {
  const layoutOf = (dims: (number | string)[], first?: string): string => {
    const input = valueInfo("x", DT.FLOAT, dims);
    const nodes = first === "transpose" ? [node("Transpose", ["x"], ["t"], { perm: [0, 3, 1, 2] })] : [node("Relu", ["x"], ["t"])];
    const declared = dims.map((d) => (typeof d === "number" ? d : undefined));
    return inputLayout(declared, lightGraph({ node: nodes, input: [input] }, input));
  };

  it("is read from where the channels are, or from a transpose to NCHW first thing", () => {
    assert.equal(layoutOf([1, 3, 224, 224]), "nchw");
    assert.equal(layoutOf([1, 224, 224, 3]), "nhwc");
    assert.equal(layoutOf(["n", "h", "w", 3]), "nhwc");
    assert.equal(layoutOf(["n", 3, "h", "w"]), "nchw");
    assert.equal(layoutOf([1, 1, 28, 28]), "nchw");
    assert.equal(layoutOf([1, 28, 28, 1]), "nhwc");
    assert.equal(layoutOf(["n", "h", "w", "c"]), "nchw");
    assert.equal(layoutOf(["n", "h", "w", "c"], "transpose"), "nhwc");
  });
});
