import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { onnx } from "onnx-proto";
import type { Tensor, WeightMap } from "../../src/engine/model/weights";
import { REFERENCE } from "./paths";

// PyTorch's export of the seed model is 60 MB, so the repository keeps its graph without weights
// plus, per initializer, what it holds in state_dict terms. This rebuilds the full file from a
// state_dict and checks each rebuilt initializer against the sums and first values PyTorch wrote.

type Role =
  | { copy: string; transpose?: number[]; via?: string }
  | { foldedConvWeight: { conv: string; bn: string }; via?: string }
  | { foldedConvBias: { conv: string; bn: string }; via?: string };

interface InitializerRecord {
  name: string;
  dims: number[];
  sum: number;
  first: number[];
  is: Role[];
}

const DIR = path.join(REFERENCE, "torch-export");
const EPS = 1e-5;

function bnScale(w: WeightMap, bn: string): Float32Array {
  const gamma = w.get(`${bn}.weight`)!.data;
  const variance = w.get(`${bn}.running_var`)!.data;
  return gamma.map((g, i) => g / Math.sqrt(variance[i] + EPS));
}

function values(w: WeightMap, role: Role): Float32Array {
  if ("copy" in role) {
    const t = w.get(role.copy)!;
    if (!role.transpose) return t.data;
    const [rows, cols] = t.shape;
    const out = new Float32Array(t.data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
    return out;
  }
  if ("foldedConvWeight" in role) {
    const { conv, bn } = role.foldedConvWeight;
    const weight: Tensor = w.get(`${conv}.weight`)!;
    const scale = bnScale(w, bn);
    const per = weight.data.length / scale.length;
    return weight.data.map((v, i) => v * scale[Math.floor(i / per)]);
  }
  const { bn } = role.foldedConvBias;
  const scale = bnScale(w, bn);
  const beta = w.get(`${bn}.bias`)!.data;
  const mean = w.get(`${bn}.running_mean`)!.data;
  return beta.map((b, i) => b - mean[i] * scale[i]);
}

/** Writes PyTorch's export of the seed model with these weights to `file`. */
export async function writeTorchExport(weights: WeightMap, file: string): Promise<void> {
  const model = onnx.ModelProto.decode(await fs.readFile(path.join(DIR, "xai-skeleton.onnx")));
  const { initializers } = JSON.parse(await fs.readFile(path.join(DIR, "initializers.json"), "utf8")) as { initializers: InitializerRecord[] };
  const byName = new Map(initializers.map((r) => [r.name, r]));
  for (const t of model.graph!.initializer!) {
    const record = byName.get(t.name!);
    assert.ok(record, `no record of initializer ${t.name}`);
    const own = record.is.find((r) => !r.via) ?? record.is[0];
    const data = Float32Array.from(values(weights, own));
    let sum = 0;
    for (const v of data) sum += v;
    assert.ok(Math.abs(sum - record.sum) <= 1e-4 * Math.max(1, Math.abs(record.sum)), `${t.name}: sum ${sum}, PyTorch ${record.sum}`);
    record.first.forEach((v, i) => assert.ok(Math.abs(data[i] - v) <= 1e-7, `${t.name}[${i}]: ${data[i]}, PyTorch ${v}`));
    t.rawData = new Uint8Array(data.buffer);
  }
  await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
}

export async function exportLayerTensors(): Promise<Record<string, string | null>> {
  return (JSON.parse(await fs.readFile(path.join(DIR, "tensors.json"), "utf8")) as { layerTensors: Record<string, string | null> }).layerTensors;
}
