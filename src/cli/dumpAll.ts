import type { Analysis } from "../engine/analysis/analysis";
import { writeNpy } from "../engine/formats/npy";
import { NpzWriter } from "../engine/formats/npz";
import { writeOutputStream } from "../engine/formats/output";

/** What np.load calls a layer: its id, without the leading slash of an ONNX tensor name. */
export function npzKey(id: string): string {
  return id.replace(/^\/+/, "");
}

/**
 * Every layer of an analysis into one .npz, in the layer list's order, written as each is made:
 * from the one run that held them all, or one layer at a time within the memory budget.
 */
export async function dumpAll(analysis: Analysis, out: string): Promise<number> {
  let bytes = 0;
  await writeOutputStream(out, async (write) => {
    const npz = new NpzWriter(write);
    for (const layer of analysis.model.layers) {
      const a = await analysis.activation(layer.id);
      const npy = writeNpy(a.data, a.shape);
      bytes += npy.length;
      await npz.add(npzKey(layer.id), npy);
    }
    await npz.finish();
  });
  return bytes;
}
