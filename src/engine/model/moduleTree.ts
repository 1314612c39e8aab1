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

/**
 * For a built model, whose ids are PyTorch's qualified names: the modules each id sits in,
 * innermost first, among the given ids (`layer1.0.relu#1` and `layer1.0.add` sit in `layer1.0`,
 * then `layer1`).
 */
export function ancestorsByName(ids: readonly string[]): ReadonlyMap<string, readonly string[]> {
  const known = new Set(ids);
  return new Map(
    ids.map((id) => {
      const parts = id.replace(/#\d+$/, "").split(".");
      const ancestors: string[] = [];
      for (let n = parts.length - 1; n > 0; n--) {
        const prefix = parts.slice(0, n).join(".");
        if (known.has(prefix)) ancestors.push(prefix);
      }
      return [id, ancestors];
    }),
  );
}
