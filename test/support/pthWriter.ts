import { rmSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onnx } from "onnx-proto";
import { seededStateDict } from "../../src/engine/model/models";
import { REFERENCE } from "./paths";
import type { WeightMap } from "../../src/engine/model/weights";
import { checkpointZip, dictPickle, storage, tensor } from "./pickleBytes";

/** A state_dict as torch.save writes it (float32, contiguous), for tests that need a real .pth. */
export function pthBytes(weights: WeightMap): Uint8Array {
  const storages: Record<string, Uint8Array> = {};
  const entries = [...weights].map(([key, t], i): [string, Uint8Array] => {
    const id = String(i);
    storages[id] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    return [key, tensor(storage(id, "FloatStorage", t.data.length), 0, [...t.shape], strides)];
  });
  return checkpointZip(dictPickle(entries), storages);
}

let written: Promise<string> | undefined;

/** torchvision's resnet18 with seed-0 weights as a .pth in a temporary folder, written once per test process. */
export function resnet18Pth(): Promise<string> {
  written ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-resnet18-"));
    const file = path.join(dir, "resnet18.pth");
    await fs.writeFile(file, pthBytes(await seededStateDict({ kind: "torchvision", name: "resnet18", weights: { seed: 0 } })));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return file;
  })();
  return written;
}

let exported: Promise<string> | undefined;

/**
 * PyTorch's own ONNX export of resnet18 (test/reference/cam/resnet18-export.onnx, its weights left
 * out) refilled from the seed-0 state_dict the way the exporter folds each BatchNorm into its conv.
 */
export function resnet18Export(): Promise<string> {
  exported ??= (async () => {
    const cam = path.join(REFERENCE, "cam");
    const model = onnx.ModelProto.decode(await fs.readFile(path.join(cam, "resnet18-export.onnx")));
    const { eps, sources } = JSON.parse(await fs.readFile(path.join(cam, "resnet18-export.json"), "utf8")) as {
      eps: number;
      sources: Record<string, { key: string } | { conv: string; bn: string; part: "weight" | "bias" }>;
    };
    const state = await seededStateDict({ kind: "torchvision", name: "resnet18", weights: { seed: 0 } });
    const get = (key: string): Float32Array => {
      const t = state.get(key);
      if (!t) throw new Error(`no ${key} in resnet18's state_dict`);
      return t.data;
    };
    for (const t of model.graph?.initializer ?? []) {
      const source = sources[t.name ?? ""];
      let data: Float32Array;
      if ("key" in source) {
        data = get(source.key);
      } else {
        const [gamma, beta, mean, variance] = ["weight", "bias", "running_mean", "running_var"].map((k) => get(`${source.bn}.${k}`));
        const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + eps));
        if (source.part === "bias") {
          data = beta.map((b, c) => b - mean[c] * scale[c]);
        } else {
          const w = get(`${source.conv}.weight`);
          const per = w.length / scale.length;
          data = w.map((v, i) => v * scale[Math.floor(i / per)]);
        }
      }
      t.rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-resnet18-export-"));
    const file = path.join(dir, "resnet18-export.onnx");
    await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return file;
  })();
  return exported;
}
