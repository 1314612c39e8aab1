import type { LayerInfo } from "../../shared/protocol";
import type { Candidate } from "./onnxInspect";

/**
 * Each layer's nearest enclosing module among the layers shown: a container whose output is not a
 * feature map (a classifier ending in a Linear) is not listed, so its children go to the module
 * above it.
 */
export function withParents(layers: readonly LayerInfo[], candidates: readonly Candidate[]): LayerInfo[] {
  const shown = new Set(layers.map((l) => l.id));
  const ancestors = new Map(candidates.map((c) => [c.id, c.ancestors ?? []]));
  return layers.map((l) => {
    const parent = ancestors.get(l.id)?.find((a) => a !== l.id && shown.has(a));
    return parent === undefined ? l : { ...l, parent };
  });
}
