import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import type { FeatureMapsError } from "../../../../src/shared/errors";
import { planArchitecture } from "../../../../src/engine/model/architecture";
import { prepareModel } from "../../../../src/engine/model/models";
import { initialWeights } from "../../../../src/engine/model/weights";
import { xaiArchitecture } from "../../../../src/engine/model/xaiArchitecture";
import { DT, modelBytes, node, ramp, tensor, valueInfo } from "../../../support/onnxGraphs";
import { writeTorchExport } from "../../../support/torchExport";

// Shapes worked out from the ops, checked against what onnxruntime returns for every tensor.

let dir: string;
const engine = new FeatureMapsEngine({ provider: "cpu" });
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-shapes-"));
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const ints = (name: string, values: number[]): ReturnType<typeof tensor> => tensor(name, [values.length], DT.INT64, values);
const floats = (name: string, dims: number[]): ReturnType<typeof tensor> => tensor(name, dims, DT.FLOAT, ramp(dims.reduce((a, b) => a * b, 1), dims.length));

/** A graph of the common CNN ops on a free-size [1, 3, h, w] input; `outputs` lists every tensor. */
function opsModel(): { bytes: Uint8Array; tensors: string[] } {
  const nodes = [
    node("Conv", ["x", "w1"], ["c1"], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    node("Conv", ["c1", "w2"], ["c2"], { dilations: [2, 2], pads: [2, 1, 2, 1] }),
    node("MaxPool", ["c2"], ["p1"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }),
    node("AveragePool", ["c1"], ["p2"], { kernel_shape: [2, 2], strides: [2, 2] }),
    // A last window that would start in the padding is dropped (odd sides of c1 show it).
    node("MaxPool", ["c1"], ["p3"], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }),
    node("ConvTranspose", ["p2", "wt"], ["up"], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    // The sizes of an interpolation to another map's size, as PyTorch's export computes them.
    node("Shape", ["up"], ["upShape"]),
    node("Slice", ["upShape", "zero", "two"], ["nc"]),
    node("Shape", ["c1"], ["c1Shape"]),
    node("Gather", ["c1Shape", "hwIndex"], ["hw"]),
    node("Concat", ["nc", "hw"], ["sizes"], { axis: 0 }),
    node("Resize", ["up", "", "", "sizes"], ["r1"], { mode: "nearest" }),
    node("Resize", ["p1", "", "scales"], ["r2"], { mode: "linear" }),
    node("Concat", ["c1", "r1"], ["cat"], { axis: 1 }),
    node("Pad", ["cat", "pads"], ["pd"]),
    node("Slice", ["pd", "starts", "ends", "axes", "steps"], ["sl"]),
    node("Split", ["cat", "split"], ["s0", "s1"], { axis: 1 }),
    node("GlobalAveragePool", ["s1"], ["g"]),
    node("Flatten", ["g"], ["f"]),
    node("Gemm", ["f", "wg"], ["gm"]),
    node("MatMul", ["f", "wg"], ["mm"]),
    node("Reshape", ["p2", "flat"], ["rs"]),
    node("Transpose", ["c2"], ["tr"], { perm: [0, 2, 3, 1] }),
    node("ReduceMean", ["c2"], ["rm"], { axes: [2, 3], keepdims: 1 }),
    node("DepthToSpace", ["c1"], ["d2s"], { blocksize: 2 }),
    node("Squeeze", ["g", "lastAxes"], ["sq"]),
    node("Unsqueeze", ["sq", "oneAxis"], ["usq"]),
    node("Add", ["c1", "bias"], ["ad"]),
    node("Relu", ["ad"], ["y"]),
  ];
  const initializers = [
    floats("w1", [4, 3, 3, 3]),
    floats("w2", [6, 4, 3, 3]),
    floats("wt", [4, 2, 4, 4]),
    ints("zero", [0]),
    ints("two", [2]),
    ints("hwIndex", [2, 3]),
    tensor("scales", [4], DT.FLOAT, [1, 1, 2, 2]),
    ints("pads", [0, 0, 1, 2, 0, 0, 3, 0]),
    ints("starts", [1, -5]),
    ints("ends", [1000, -1]),
    ints("axes", [2, 3]),
    ints("steps", [2, 1]),
    ints("split", [1, 5]),
    floats("wg", [5, 7]),
    ints("flat", [1, -1]),
    ints("lastAxes", [2, 3]),
    ints("oneAxis", [1]),
    floats("bias", [4, 1, 1]),
  ];
  const tensors = nodes.flatMap((n) => n.output ?? []);
  return { bytes: modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, "h", "w"]), nodes, initializers, outputs: tensors, opset: 13 }), tensors };
}

async function runShapes(bytes: Uint8Array, inputName: string, dims: number[]): Promise<Map<string, readonly number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [inputName]: new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims) });
  await session.release();
  return new Map(Object.entries(out).map(([k, t]) => [k, t.dims]));
}

describe("shapes without a run", () => {
  it("equal onnxruntime's for every tensor of the common CNN ops, at several sizes", async () => {
    const { bytes, tensors } = opsModel();
    const file = path.join(dir, "ops.onnx");
    await fs.writeFile(file, bytes);
    const model = await prepareModel({ kind: "onnx", path: file });
    for (const [h, w] of [[33, 47], [64, 64], [20, 17]]) {
      const inferred = model.shapes?.(h, w);
      assert.equal(inferred?.conflict, undefined);
      const ran = await runShapes(bytes, "x", [1, 3, h, w]);
      for (const t of tensors) assert.deepEqual(inferred?.shapes.get(t), ran.get(t), `${t} at ${h}x${w}`);
    }
  });

  it("equal onnxruntime's for PyTorch's export of the seed model, every layer listed", async () => {
    const file = path.join(dir, "xai.onnx");
    await writeTorchExport(initialWeights(planArchitecture(xaiArchitecture(), 100, 100), 0), file);
    const model = await prepareModel({ kind: "onnx", path: file });
    const inferred = model.shapes?.(100, 100).shapes;
    const ran = await runShapes(model.bytes, model.inputName, [1, 3, 100, 100]);
    for (const c of model.candidates) assert.deepEqual(inferred?.get(c.tensor), ran.get(c.tensor), c.id);
    // Every conv, ReLU and pool of the export, the flatten and linear layers after them, and the
    // two Sequential containers.
    assert.equal(model.candidates.length, 39);
  });

  it("leave an op they do not know unknown, and what follows it; the listed layers come from a probe then", async () => {
    const file = path.join(dir, "unknown.onnx");
    await fs.writeFile(
      file,
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 3, "h", "w"]),
        nodes: [node("Conv", ["x", "w"], ["c"]), node("CumSum", ["c", "axis"], ["cs"]), node("MaxPool", ["cs"], ["y"], { kernel_shape: [2, 2], strides: [2, 2] })],
        initializers: [floats("w", [4, 3, 3, 3]), tensor("axis", [], DT.INT32, [2])],
        outputs: ["y"],
      }),
    );
    const model = await prepareModel({ kind: "onnx", path: file });
    const shapes = model.shapes?.(40, 30).shapes;
    assert.deepEqual(shapes?.get("c"), [1, 4, 38, 28]);
    assert.equal(shapes?.has("cs"), false);
    assert.equal(shapes?.has("y"), false);
    // Listing the layers runs the model once at that size rather than give a shape it does not know.
    const runs = engine.counts.runs;
    const planned = await engine.plan({ kind: "onnx", path: file }, 40, 30);
    assert.deepEqual(planned.layers.map((l) => l.shape), [[1, 4, 38, 28], [1, 4, 38, 28], [1, 4, 19, 14]]);
    assert.deepEqual(planned.estimated, []);
    assert.ok(engine.counts.runs > runs);
    // Over the memory budget it does not run there, and says which shapes are estimated.
    const small = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 1 });
    const estimated = await small.plan({ kind: "onnx", path: file }, 400, 300);
    small.dispose();
    assert.deepEqual(estimated.estimated, ["cs", "y"]);
    assert.deepEqual(estimated.layers[0].shape, [1, 4, 398, 298]);
  });
});

describe("a size the model cannot take", () => {
  // A map pooled by 32 and upsampled back is added to the full-size one, as in a U-Net or
  // PaddleOCR's detector: only multiples of 32 fit.
  const file = (): string => path.join(dir, "stride32.onnx");
  before(async () => {
    await fs.writeFile(
      file(),
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 3, "h", "w"]),
        nodes: [
          node("Conv", ["x", "w"], ["c"], { pads: [1, 1, 1, 1] }),
          node("MaxPool", ["c"], ["p"], { kernel_shape: [32, 32], strides: [32, 32] }),
          node("Resize", ["p", "", "scales"], ["u"], { mode: "nearest" }),
          node("Add", ["c", "u"], ["y"]),
        ],
        initializers: [floats("w", [2, 3, 3, 3]), tensor("scales", [4], DT.FLOAT, [1, 1, 32, 32])],
        outputs: ["y"],
      }),
    );
  });

  it("fails saying which sizes it takes, not with onnxruntime's broadcast error", async () => {
    const run = engine.analyze({ input: { tensor: new Float32Array(3 * 100 * 70), height: 100, width: 70, label: "x" }, model: { kind: "onnx", path: file() } });
    await assert.rejects(run, (e: FeatureMapsError) => {
      assert.equal(e.code, "INPUT_INVALID");
      assert.match(e.message, /cannot take a 100x70 input .*Add.*multiples of 32, e\.g\. 96x64/);
      return true;
    });
  });

  it("runs at a size that fits", async () => {
    const a = await engine.analyze({ input: { tensor: new Float32Array(3 * 96 * 64), height: 96, width: 64, label: "x" }, model: { kind: "onnx", path: file() } });
    assert.deepEqual(a.model.layers.at(-1)?.shape, [1, 2, 96, 64]);
  });
});

describe("nodes out of order in the file", () => {
  it("are listed in topological order", async () => {
    const file = path.join(dir, "shuffled.onnx");
    await fs.writeFile(
      file,
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 3, 8, 8]),
        nodes: [node("Relu", ["b"], ["y"]), node("Sigmoid", ["a"], ["b"]), node("Conv", ["x", "w"], ["a"])],
        initializers: [floats("w", [2, 3, 1, 1])],
        outputs: ["y"],
      }),
    );
    const { layers } = await engine.plan({ kind: "onnx", path: file }, 8, 8);
    assert.deepEqual(layers.map((l) => [l.id, l.op, l.tensor ?? l.id]), [["a", "Conv", "a"], ["b", "Sigmoid", "b"], ["y", "Relu", "y"]]);
  });
});

describe("hostile graphs", () => {
  it("5000 nodes in reverse order are sorted and listed without a run, within seconds", async () => {
    const n = 5000;
    const nodes = Array.from({ length: n }, (_, i) => node(i % 2 ? "Relu" : "Sigmoid", [i === 0 ? "x" : `t${i - 1}`], [`t${i}`])).reverse();
    const file = path.join(dir, "long.onnx");
    await fs.writeFile(file, modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, 4, 4]), nodes, outputs: [`t${n - 1}`] }));
    const start = Date.now();
    const runs = engine.counts.runs;
    const { layers } = await engine.plan({ kind: "onnx", path: file }, 4, 4);
    assert.ok(Date.now() - start < 20_000, `${Date.now() - start} ms`);
    assert.equal(engine.counts.runs, runs);
    assert.deepEqual([layers.length, layers[0].id, layers[n - 1].id], [n, "t0", `t${n - 1}`]);
  });

  it("a Tile to [1, 3, 100000, 100000] is listed from its shape, and refused for the budget before it runs", async () => {
    const file = path.join(dir, "tile.onnx");
    await fs.writeFile(
      file,
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 3, 4, 4]),
        nodes: [node("Relu", ["x"], ["r"]), node("Tile", ["r", "repeats"], ["y"])],
        initializers: [ints("repeats", [1, 1, 25000, 25000])],
        outputs: ["y"],
      }),
    );
    const { layers } = await engine.plan({ kind: "onnx", path: file }, 4, 4);
    assert.deepEqual(layers.at(-1)?.shape, [1, 3, 100000, 100000]);
    const before = process.memoryUsage().rss;
    const a = await engine.analyze({ input: { tensor: new Float32Array(48), height: 4, width: 4, label: "x" }, model: { kind: "onnx", path: file } });
    await assert.rejects(a.activation("y"), (e: FeatureMapsError) => e.code === "OUT_OF_BUDGET");
    assert.ok(process.memoryUsage().rss - before < 200 * 2 ** 20);
  });

  it("a cycle does not hang the sort; onnxruntime refuses the model", async () => {
    const file = path.join(dir, "cycle.onnx");
    await fs.writeFile(file, modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, 4, 4]), nodes: [node("Add", ["x", "b"], ["a"]), node("Relu", ["a"], ["b"])], outputs: ["b"] }));
    await assert.rejects(engine.plan({ kind: "onnx", path: file }, 4, 4), (e: FeatureMapsError) => e.code === "MODEL_INVALID");
  });
});
