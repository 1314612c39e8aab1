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
