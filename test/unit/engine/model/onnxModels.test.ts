import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { planArchitecture } from "../../../../src/engine/model/architecture";
import type { Analysis } from "../../../../src/engine/analysis/analysis";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { BUILTIN_MODEL, prepareModel } from "../../../../src/engine/model/models";
import { initialWeights } from "../../../../src/engine/model/weights";
import { xaiArchitecture } from "../../../../src/engine/model/xaiArchitecture";
import { assertLayerMatches, referenceInput, referenceLayers } from "../../../support/reference";
import { exportLayerTensors, writeTorchExport } from "../../../support/torchExport";
import { sortedPercentileRange } from "../../../support/sortedPercentiles";
import { TINY_WEIGHT_BYTES, tinyModel } from "../../../support/tinyOnnx";

let dir: string;
const engine = new FeatureMapsEngine({ provider: "cpu" });

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-onnx-"));
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

async function analyzeTensor(file: string, tensor: Float32Array, size: number): Promise<Analysis> {
  return engine.analyze({ input: { tensor, height: size, width: size, label: "t" }, model: { kind: "onnx", path: file } });
}

describe("PyTorch's own ONNX export of the seed model", () => {
  let analysis: Analysis;
  before(async () => {
    const file = path.join(dir, "xai-export.onnx");
    await writeTorchExport(initialWeights(planArchitecture(xaiArchitecture(), 100, 100), 0), file);
    analysis = await analyzeTensor(file, await referenceInput(), 100);
  });

  it("shows layers by their PyTorch module names, listing only what the export kept", () => {
    const ids = analysis.model.layers.map((l) => l.id);
    for (const id of ["features.0", "features.2", "features.7", "features.30", "features.51"]) assert.ok(ids.includes(id), id);
    // Dropout is gone and BatchNorm2d is folded into the conv before it.
    for (const id of ["features.1", "features.3", "features.31"]) assert.ok(!ids.includes(id), id);
    const conv = analysis.model.layers.find((l) => l.id === "features.0");
    assert.equal(conv?.op, "Conv");
    assert.equal(conv?.tensor, "/features/features.0/Conv_output_0");
    assert.equal(analysis.model.layers.find((l) => l.id === "features.30")?.op, "Relu");
    assert.deepEqual(analysis.model.outputShape, [9, 2]);
  });

  it("equals PyTorch on every layer it keeps (a folded conv gives its BatchNorm's output)", async () => {
    const tensors = await exportLayerTensors();
    let compared = 0;
    for (const ref of await referenceLayers()) {
      const tensor = tensors[ref.id];
      if (!tensor) continue;
      const ours = analysis.model.layers.find((l) => (l.tensor ?? l.id) === tensor);
      // 2-D intermediates (Reshape, MatMul...) are not feature maps; the model output is listed.
      if (!ours) {
        assert.notEqual(ref.shape.length, 4, `${ref.id} (${tensor}) is a 4-D map but not listed`);
        continue;
      }
      await assertLayerMatches(analysis, ours.id, ref);
      compared++;
    }
    assert.ok(compared >= 40, `compared ${compared} layers`);
  });
});

describe("a user's ONNX model", () => {
  it("exposes intermediate 4-D tensors without changing the model's output", async () => {
    const file = path.join(dir, "tiny.onnx");
    await fs.writeFile(file, tinyModel());
    const a = await analyzeTensor(file, Float32Array.from({ length: 16 }, (_, i) => i / 16), 4);
    assert.deepEqual(a.model.layers.map((l) => [l.id, l.op, l.kind, l.tensor]), [
      ["conv", "Conv", "conv", "/conv/Conv_output_0"],
      ["act", "Relu", "output", "y"],
    ]);
    const conv = (await a.activation("conv")).data;
    const relu = (await a.activation("act")).data;
    assert.ok(conv.some((v) => v < 0), "the conv has negative values");
    assert.deepEqual(relu, conv.map((v) => Math.max(0, v)));
  });

  it("scales global normalisation to the values of all layers, clipped at the asked percentiles", async () => {
    const file = path.join(dir, "tiny-global.onnx");
    await fs.writeFile(file, tinyModel());
    const a = await analyzeTensor(file, Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)), 4);
    const all = await Promise.all(a.model.layers.map(async (l) => (await a.activation(l.id)).data));
    for (const clip of [0, 5]) {
      const reply = await a.layer({ layer: "conv", start: 0, count: 2, order: "index", normalize: "global", clipPercent: clip });
      const range = sortedPercentileRange(all, clip);
      assert.deepEqual([...reply.low, ...reply.high], [range.low, range.low, range.high, range.high].map(Math.fround), `clip ${clip}%`);
    }
  });

  it("loads weights kept in an external data file beside it", async () => {
    const sub = path.join(dir, "external");
    await fs.mkdir(sub);
    await fs.writeFile(path.join(sub, "m.onnx"), tinyModel({ externalWeight: "weights.bin" }));
    await fs.writeFile(path.join(sub, "weights.bin"), TINY_WEIGHT_BYTES);
    const a = await analyzeTensor(path.join(sub, "m.onnx"), new Float32Array(16).fill(1), 4);
    assert.deepEqual((await a.activation("conv")).shape, [1, 2, 4, 4]);
    await fs.rm(path.join(sub, "weights.bin"));
    await fs.writeFile(path.join(sub, "m2.onnx"), tinyModel({ externalWeight: "weights.bin" }));
    await assert.rejects(analyzeTensor(path.join(sub, "m2.onnx"), new Float32Array(16), 4), /m2\.onnx: external data file "weights\.bin" \(tensor conv\.weight\) is missing/);
  });

  it("says clearly what is wrong with models it cannot show", async () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ["flat.onnx", tinyModel({ flat: true }), /flat\.onnx: input x is not a 4-D float tensor/],
      ["two.onnx", tinyModel({ inputs: 2 }), /two\.onnx: has 2 inputs \(x, x2\); Feature Maps feeds one image tensor/],
      ["garbage.onnx", new TextEncoder().encode("this is not protobuf at all, just text"), /garbage\.onnx: not an ONNX model/],
      ["empty.onnx", new Uint8Array(0), /empty\.onnx: not an ONNX model/],
      ["old.onnx", tinyModel({ opset: 5 }), /old\.onnx: opset 5 is older than onnxruntime supports \(7 or later\)/],
      ["future.onnx", tinyModel({ opset: 99 }), /future\.onnx: onnxruntime cannot load the model \(.*opset/i],
    ];
    for (const [name, bytes, expected] of cases) {
      await fs.writeFile(path.join(dir, name), bytes);
      await assert.rejects(analyzeTensor(path.join(dir, name), new Float32Array(16), 4), expected, name);
    }
    await assert.rejects(analyzeTensor(path.join(dir, "missing.onnx"), new Float32Array(16), 4), /missing\.onnx: cannot read the file/);
  });

  it("lists the valid layers when asked for one that does not exist", async () => {
    const file = path.join(dir, "tiny.onnx");
    const a = await analyzeTensor(file, new Float32Array(16), 4);
    await assert.rejects(a.activation("features.99"), /no layer "features\.99" in tiny\.onnx; layers are: conv, act/);
  });
});

describe("a model built from an architecture", () => {
  it("takes its weights as inputs, so its ONNX message is a few kB and a rebuild copies no weights", async () => {
    const prepared = await prepareModel(BUILTIN_MODEL);
    const stateDict = initialWeights(planArchitecture(xaiArchitecture(), 100, 100), 0);
    assert.ok(prepared.bytes.byteLength < 64 * 1024, `${prepared.bytes.byteLength} bytes`);
    assert.deepEqual([...(prepared.parameters?.keys() ?? [])].sort(), [...stateDict.keys()].sort());
    for (const [key, t] of prepared.parameters ?? []) assert.deepEqual(t.data, stateDict.get(key)?.data, key);
  });
});
