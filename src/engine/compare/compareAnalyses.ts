import type { CompareReply, CompareRequest } from "../../shared/compare";
import type { AnalyzeRequest, FeatureMapsEngine } from "../engine";
import { writeNpy } from "../formats/npy";
import { NpzWriter } from "../formats/npz";
import { compareReply, type PairedLayer, pairLayer } from "./compareLayer";
import { concatBytes } from "../formats/bytes";

/**
 * A and B of a layer, each from its own analysis. The engine caches analyses within its memory
 * budget: when both fit it together they stay cached and layer switches run nothing; otherwise
 * making B's analysis drops A's, and the next layer runs A again.
 * The layer's values are held here while the other side is made, so they are never lost midway.
 */
export async function pairedLayer(engine: FeatureMapsEngine, a: AnalyzeRequest, b: AnalyzeRequest, layer: string, signal?: AbortSignal): Promise<PairedLayer> {
  const analysisA = await engine.analyze(a, signal);
  const id = analysisA.layerId(layer);
  const activationA = await analysisA.activation(id, signal);
  const analysisB = await engine.analyze(b, signal);
  const activationB = await analysisB.activation(analysisB.layerId(id), signal);
  return pairLayer(activationA, activationB);
}

export async function compareLayers(engine: FeatureMapsEngine, a: AnalyzeRequest, b: AnalyzeRequest, request: CompareRequest, signal?: AbortSignal): Promise<CompareReply> {
  return compareReply(request.layer, await pairedLayer(engine, a, b, request.layer, signal), request);
}

/** np.load's view of it: `a`, `b` (B resized to A's size when they differed) and `diff` = a - b, each [C, H, W] float32. */
export async function compareNpz(paired: PairedLayer): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const npz = new NpzWriter(async (chunk) => void chunks.push(chunk));
  if (paired.comparable === "statistics") {
    await npz.add("a", writeNpy(paired.a, paired.summaryA.shape.slice(1)));
    await npz.add("b", writeNpy(paired.b, paired.summaryB.shape.slice(1)));
  } else {
    const shape = [paired.channels, paired.height, paired.width];
    await npz.add("a", writeNpy(paired.a, shape));
    await npz.add("b", writeNpy(paired.b, shape));
    await npz.add("diff", writeNpy(paired.diff, shape));
  }
  await npz.finish();
  return concatBytes(chunks);
}
