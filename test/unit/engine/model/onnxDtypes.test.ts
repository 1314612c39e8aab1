import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { onnx } from "onnx-proto";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { prepareModel } from "../../../../src/engine/model/models";
import type { Analysis } from "../../../../src/engine/analysis/analysis";
import { assertClose, conv2d } from "../../../support/convRef";
import { bf16, DT, f16, modelBytes, node, ramp, tensor, valueInfo } from "../../../support/onnxGraphs";

// Trained models as they ship: float16 and bfloat16 maps are shown converted to float32, and
// quantized models list the float maps after dequantization, not their integer tensors.

let dir: string;
const engine = new FeatureMapsEngine({ provider: "cpu" });
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-dtypes-"));
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const [C, S, M] = [2, 6, 3];
const X = ramp(C * S * S, 3);
const W = ramp(M * C * 9, 5).map((v) => v * 0.5);
const B = [0.25, -0.5, 0.125];

async function analyze(name: string, bytes: Uint8Array): Promise<Analysis> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return engine.analyze({ input: { tensor: Float32Array.from(X), height: S, width: S, label: "x" }, model: { kind: "onnx", path: file } });
}

const relu = (a: ArrayLike<number>): number[] => Array.from(a, (v) => Math.max(0, v));

describe("a float16 model", () => {
  const bytes = (halfInput: boolean): Uint8Array =>
    modelBytes({
      input: valueInfo("x", halfInput ? DT.FLOAT16 : DT.FLOAT, [1, C, S, S]),
      nodes: [
        ...(halfInput ? [] : [node("Cast", ["x"], ["half"], { to: DT.FLOAT16 })]),
        node("Conv", [halfInput ? "x" : "half", "w", "b"], ["conv"], { pads: [1, 1, 1, 1] }),
        node("Relu", ["conv"], ["relu"]),
        node("Cast", ["relu"], ["y"], { to: DT.FLOAT }),
      ],
      initializers: [tensor("w", [M, C, 3, 3], DT.FLOAT16, W), tensor("b", [M], DT.FLOAT16, B)],
      outputs: ["y"],
    });
  // Inputs and weights as float16 holds them, the sum rounded to float16 once more.
  const expectedConv = Array.from(conv2d(X.map(f16), [C, S, S], W.map(f16), [M, C, 3, 3], B.map(f16), 1), f16);

  it("lists its float16 maps with their dtype, converted to float32, and says the model is float16", async () => {
    const a = await analyze("half.onnx", bytes(false));
    assert.equal(a.model.dtype, "float16");
    assert.deepEqual(
      a.model.layers.map((l) => [l.id, l.op, l.dtype, l.shape]),
      [
        ["half", "Cast", "float16", [1, C, S, S]],
        ["conv", "Conv", "float16", [1, M, S, S]],
        ["relu", "Relu", "float16", [1, M, S, S]],
        ["y", "Cast", undefined, [1, M, S, S]],
      ],
    );
    assertClose((await a.activation("half")).data, X.map(f16), 0, 0, "half");
    // float16 keeps 11 significant bits: two of its steps either way.
    assertClose((await a.activation("conv")).data, expectedConv, 1e-3, 2 ** -9, "conv");
    assertClose((await a.activation("relu")).data, relu(expectedConv), 1e-3, 2 ** -9, "relu");
  });

  it("gives the same float32 values from a graph cut down to one layer (over the memory budget)", async () => {
    const file = path.join(dir, "half-slim.onnx");
    await fs.writeFile(file, bytes(false));
    const runner = await engine.open({ kind: "onnx", path: file });
    const result = await runner.run(Float32Array.from(X), S, S, "conv");
    assert.deepEqual([...result.activations.keys()], ["conv"]);
    assertClose(result.activations.get("conv")?.data ?? [], expectedConv, 1e-3, 2 ** -9, "conv");
  });

  it("takes a float32 image tensor when its own input is float16", async () => {
    const a = await analyze("half-input.onnx", bytes(true));
    assert.deepEqual(a.model.inputShape, [1, C, S, S]);
    assertClose((await a.activation("conv")).data, expectedConv, 1e-3, 2 ** -9, "conv");
  });
});

describe("a bfloat16 map", () => {
  it("is fetched as float32 (onnxruntime-node cannot return bfloat16) with its values as bfloat16 holds them", async () => {
    const a = await analyze(
      "bf16.onnx",
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, C, S, S]),
        nodes: [node("Cast", ["x"], ["brain"], { to: DT.BFLOAT16 }), node("Identity", ["brain"], ["same"]), node("Cast", ["same"], ["back"], { to: DT.FLOAT }), node("Conv", ["back", "w"], ["y"])],
        initializers: [tensor("w", [M, C, 3, 3], DT.FLOAT, W)],
        outputs: ["y"],
      }),
    );
    // Identity is never listed; the Cast that makes the bfloat16 map is.
    assert.deepEqual(a.model.layers.map((l) => [l.id, l.dtype]), [["brain", "bfloat16"], ["back", undefined], ["y", undefined]]);
    assertClose((await a.activation("brain")).data, X.map(bf16), 0, 0, "brain");
    assert.equal(a.model.dtype, "float32");
  });
});

/** ONNX's QuantizeLinear to uint8: round half to even, saturate. */
function quantize(v: number, scale: number, zero: number): number {
  const q = v / scale;
  const r = Math.round(q);
  const even = Math.abs(q % 1) === 0.5 ? 2 * Math.round(q / 2) : r;
  return Math.min(255, Math.max(0, even + zero));
}

describe("a quantized model", () => {
  it("QDQ: shows the float map after DequantizeLinear, not the uint8 one before it", async () => {
    const [scale, zero] = [0.02, 128];
    const a = await analyze(
      "qdq.onnx",
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, C, S, S]),
        nodes: [node("QuantizeLinear", ["x", "s", "z"], ["q"]), node("DequantizeLinear", ["q", "s", "z"], ["dq"]), node("Conv", ["dq", "w"], ["conv"], { pads: [1, 1, 1, 1] }), node("Relu", ["conv"], ["y"])],
        initializers: [tensor("s", [], DT.FLOAT, [scale]), tensor("z", [], DT.UINT8, [zero]), tensor("w", [M, C, 3, 3], DT.FLOAT, W)],
        outputs: ["y"],
      }),
    );
    assert.deepEqual(a.model.layers.map((l) => l.id), ["dq", "conv", "y"]);
    const dq = X.map((v) => (quantize(Math.fround(v), Math.fround(scale), zero) - zero) * Math.fround(scale));
    assertClose((await a.activation("dq")).data, dq, 0, 1e-6, "dq");
    assertClose((await a.activation("conv")).data, conv2d(dq, [C, S, S], W, [M, C, 3, 3], undefined, 1), 1e-5, 1e-5, "conv");
  });

  // Dynamic quantization (onnxruntime's quantize_dynamic): uint8 activations and weights,
  // ConvInteger's int32 accumulator cast to float and scaled, then the bias, reshaped from a constant.
  const [wScale, wZero] = [0.004, 131];
  const WQ = W.map((v) => quantize(v, wScale, wZero));
  const dynamic = (): Uint8Array =>
    modelBytes({
      input: valueInfo("x", DT.FLOAT, [1, C, S, S]),
      nodes: [
        node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        node("ConvInteger", ["xq", "wq", "xz", "wz"], ["acc"], { pads: [1, 1, 1, 1] }),
        node("Cast", ["acc"], ["accf"], { to: DT.FLOAT }),
        node("Mul", ["xs", "ws"], ["scale"]),
        node("Mul", ["accf", "scale"], ["deq"]),
        node("Reshape", ["b", "bshape"], ["bias"]),
        node("Add", ["deq", "bias"], ["conv"]),
        node("Relu", ["conv"], ["y"]),
      ],
      initializers: [
        tensor("wq", [M, C, 3, 3], DT.UINT8, WQ),
        tensor("wz", [], DT.UINT8, [wZero]),
        tensor("ws", [], DT.FLOAT, [wScale]),
        tensor("b", [M], DT.FLOAT, B),
        tensor("bshape", [4], DT.INT64, [1, M, 1, 1]),
      ],
      outputs: ["y"],
    });

  it("ConvInteger: lists the scaled float maps, not the uint8 input, the int32 accumulator (nor its float cast) or the bias reshape", async () => {
    const a = await analyze("dynamic.onnx", dynamic());
    assert.equal(a.model.dtype, "uint8");
    assert.deepEqual(a.model.layers.map((l) => [l.id, l.op]), [["deq", "Mul"], ["conv", "Add"], ["y", "Relu"]]);
    // DynamicQuantizeLinear as the ONNX spec defines it, in float32.
    const lo = Math.min(0, ...X.map(Math.fround));
    const hi = Math.max(0, ...X.map(Math.fround));
    const xs = Math.fround((hi - lo) / 255);
    const xz = Math.min(255, Math.max(0, Math.round(-lo / xs)));
    const xq = X.map((v) => quantize(Math.fround(v), xs, xz));
    const acc = conv2d(xq.map((v) => v - xz), [C, S, S], WQ.map((v) => v - wZero), [M, C, 3, 3], undefined, 1);
    const scale = Math.fround(xs * Math.fround(wScale));
    const deq = Array.from(acc, (v) => Math.fround(v * scale));
    assertClose((await a.activation("deq")).data, deq, 1e-6, 1e-6, "deq");
    const plane = S * S;
    assertClose((await a.activation("y")).data, relu(deq.map((v, i) => v + B[Math.floor(i / plane)])), 1e-6, 1e-6, "y");
  });

  it("makes only the chosen maps graph outputs, so onnxruntime keeps no integer tensor", async () => {
    const file = path.join(dir, "dynamic-outputs.onnx");
    await fs.writeFile(file, dynamic());
    const prepared = await prepareModel({ kind: "onnx", path: file });
    const outputs = (onnx.ModelProto.decode(prepared.bytes).graph?.output ?? []).map((o) => o.name);
    assert.deepEqual(new Set(outputs), new Set(["y", "deq", "conv", "scale"]));
  });
});
