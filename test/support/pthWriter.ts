import { rmSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { seededStateDict } from "../../src/engine/model/models";
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
