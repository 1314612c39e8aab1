import * as path from "path";
import type { Tensor } from "../model/weights";
import { FeatureMapsError } from "../../shared/errors";
import { withRegularFile } from "./files";
import { isFloatDtype } from "./dtypes";
import { floatEntries, loadSafetensors, readSafetensorsHeader } from "./safetensors";
import { loadCheckpoint, readCheckpointEntries } from "./pytorch";

// Weights files are told apart by their first bytes, not their names: a .bin or .pt may be
// either, and a renamed file should still load.

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** A pickle's PROTO opcode: torch.save's format before 1.6 starts with a bare pickle. */
const PICKLE_PROTO = 0x80;

type WeightsFormat = "safetensors" | "pytorch";

async function formatOf(file: string, key: string | undefined): Promise<WeightsFormat> {
  const first = await withRegularFile(file, "weights", async (f) => f.read(0, Math.min(4, f.size)));
  const name = path.basename(file);
  if (first[0] === PICKLE_PROTO) {
    throw new FeatureMapsError(
      "WEIGHTS_INVALID",
      `${name}: a torch.save file in the legacy format (before PyTorch 1.6), which is not read; save it again with a current PyTorch: torch.save(torch.load(f).state_dict() or the dict, "out.pth"), or torch.save(obj, f, _use_new_zipfile_serialization=True)`,
    );
  }
  if (ZIP_MAGIC.every((b, i) => first[i] === b)) return "pytorch";
  if (key !== undefined) throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: a safetensors file holds one state_dict; a weights key ("${key}") is for PyTorch checkpoints`);
  return "safetensors";
}

/** A state_dict's floating-point tensors as float32, from a .safetensors file or a torch.save checkpoint (`key` picks a dict inside it). */
export async function loadWeightsFile(file: string, key?: string): Promise<Map<string, Tensor>> {
  return (await formatOf(file, key)) === "pytorch" ? loadCheckpoint(file, key) : loadSafetensors(file);
}

/**
 * The shapes of the floating-point tensors loadWeightsFile would give, without reading them: the
 * safetensors header, or a checkpoint's zip directory and pickle. The extension host calls this.
 */
export async function readWeightsShapes(file: string, key?: string): Promise<Map<string, { readonly shape: readonly number[] }>> {
  if ((await formatOf(file, key)) === "safetensors") return floatEntries(await readSafetensorsHeader(file));
  return new Map([...(await readCheckpointEntries(file, key))].filter(([, e]) => isFloatDtype(e.dtype)));
}
