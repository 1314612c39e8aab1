import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { after, describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { readNpy } from "../../../../src/engine/formats/npy";
import { prepareModel } from "../../../../src/engine/model/models";
import { assertClose } from "../../../support/convRef";
import { REFERENCE } from "../../../support/paths";

// U-Nets as PyTorch exports them (scripts/make_onnx_real.py): decoder maps upsampled to their
// skip map's size through Shape, Gather, Concat and Resize computed at run time, as in U^2-Net
// and ISNet; and the same network taking NHWC input, as tf2onnx writes Keras models.

const DIR = path.join(REFERENCE, "onnx-real");
const [H, W] = [37, 53];
const engine = new FeatureMapsEngine({ provider: "cpu" });
after(() => engine.dispose());

const source = (name: string) => ({ kind: "onnx", path: path.join(DIR, name) }) as const;

async function reference(name: string): Promise<Float32Array> {
  return readNpy(await fs.readFile(path.join(DIR, name)), name).data;
}

describe("PyTorch's export of a U-Net with upsampling to a skip map's size", () => {
  it("has every map's shape worked out without a run, equal to onnxruntime's, at sizes no stride divides", async () => {
    const model = await prepareModel(source("unet.onnx"));
    const session = await ort.InferenceSession.create(model.bytes);
    for (const [h, w] of [[H, W], [64, 64], [29, 100]]) {
      const out = await session.run({ x: new ort.Tensor("float32", new Float32Array(3 * h * w), [1, 3, h, w]) });
      const inferred = model.shapes?.(h, w);
      assert.equal(inferred?.conflict, undefined);
      for (const c of model.candidates) assert.deepEqual(inferred?.shapes.get(c.tensor), out[c.tensor].dims, `${c.id} at ${h}x${w}`);
    }
    await session.release();
  });

  it("lists its layers by module, in order, without running, and none of the size arithmetic", async () => {
    const runs = engine.counts.runs;
    const { layers } = await engine.plan(source("unet.onnx"), H, W);
    assert.equal(engine.counts.runs, runs);
    assert.deepEqual(
      layers.map((l) => `${l.id} ${l.op} ${l.shape.join("x")}`),
      [
        "enc1.0 Conv 1x8x37x53",
        "enc1.2 Relu 1x8x37x53",
        "enc1 module 1x8x37x53",
        "/MaxPool_output_0 MaxPool 1x8x19x27",
        "enc2.0 Conv 1x12x19x27",
        "enc2.2 Relu 1x12x19x27",
        "enc2 module 1x12x19x27",
        "/MaxPool_1_output_0 MaxPool 1x12x10x14",
        "enc3.0 Conv 1x16x10x14",
        "enc3.2 Relu 1x16x10x14",
        "enc3 module 1x16x10x14",
        "/Resize_output_0 Resize 1x16x19x27",
        "/Concat_2_output_0 Concat 1x28x19x27",
        "dec2.0 Conv 1x12x19x27",
        "dec2.2 Relu 1x12x19x27",
        "dec2 module 1x12x19x27",
        "/Resize_1_output_0 Resize 1x12x37x53",
        "/Concat_5_output_0 Concat 1x20x37x53",
        "dec1.0 Conv 1x8x37x53",
        "dec1.2 Relu 1x8x37x53",
        "dec1 module 1x8x37x53",
        "side Conv 1x1x37x53",
        "y Sigmoid 1x1x37x53",
      ],
    );
  });

  it("gives PyTorch's output", async () => {
    const tensor = await reference("input.npy");
    const a = await engine.analyze({ input: { tensor, height: H, width: W, label: "input.npy" }, model: source("unet.onnx") });
    // float32 through a different order of sums than PyTorch's.
    assertClose((await a.activation("y")).data, await reference("output.npy"), 1e-5, 1e-4, "y");
  });
});

describe("the same U-Net taking NHWC input", () => {
  it("is fed the NCHW tensor transposed and gives PyTorch's output, shown as [N, C, H, W]", async () => {
    const tensor = await reference("input.npy");
    const a = await engine.analyze({ input: { tensor, height: H, width: W, label: "input.npy" }, model: source("unet-nhwc.onnx") });
    assert.deepEqual(a.model.inputShape, [1, H, W, 3]);
    const y = a.model.layers.find((l) => l.id === "y");
    assert.deepEqual([y?.shape, y?.layout], [[1, 1, H, W], "nhwc"]);
    assert.deepEqual(a.model.layers.find((l) => l.tensor === "/inner/enc1/enc1.0/Conv_output_0")?.shape, [1, 8, H, W]);
    assertClose((await a.activation("y")).data, await reference("output.npy"), 1e-5, 1e-4, "y");
    const { layers } = await engine.plan(source("unet-nhwc.onnx"), H, W);
    assert.deepEqual(layers, a.model.layers);
  });
});
