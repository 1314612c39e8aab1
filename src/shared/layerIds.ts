// How a layer is named by users: its id (a PyTorch module name or an ONNX tensor name), the ONNX
// tensor that holds it (README: "Layer ids are PyTorch names or ONNX tensor names"), or, as the
// reference notebook counts them, a bare number for `features.N`.

/** What naming needs of a layer: `tensor` is absent when it equals the id. */
export interface Named {
  readonly id: string;
  readonly tensor?: string;
  readonly name?: string;
}

const NUMBER = /^\d+$/;

/** The layer a user's id names; the first of a tensor's layers (the module that makes it) for a tensor name. */
export function findLayer<T extends Named>(layers: readonly T[], wanted: string): T | undefined {
  const byId = layers.find((l) => l.id === wanted);
  if (byId) return byId;
  const byTensor = layers.find((l) => l.tensor === wanted) ?? layers.find((l) => l.name === wanted);
  if (byTensor) return byTensor;
  return NUMBER.test(wanted) ? layers.find((l) => l.id === `features.${wanted}`) : undefined;
}

/** Past this length, ids are not compared letter by letter (a hostile id would cost length squared). */
const MAX_COMPARED = 256;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length];
}

/**
 * Up to `count` ids like the one asked for: a few edits away (a third of its length at most:
 * `layer2.0.downsample.downsample.0` finds `layer2.0.downsample.0`), then ids containing it.
 */
export function closeMatches(ids: readonly string[], wanted: string, count = 5): string[] {
  const w = wanted.toLowerCase();
  const most = Math.max(2, Math.ceil(w.length / 3));
  const scored: { id: string; score: number }[] = [];
  for (const id of ids) {
    const l = id.toLowerCase();
    const d = l.length <= MAX_COMPARED && w.length <= MAX_COMPARED && Math.abs(l.length - w.length) <= most ? editDistance(l, w) : Infinity;
    if (d <= most) scored.push({ id, score: d });
    else if (w.length >= 3 && l.includes(w)) scored.push({ id, score: most + 1 + l.length / MAX_COMPARED });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, count)
    .map((s) => s.id);
}

/** What an unknown layer error says: the layers there are, then the close matches. */
export function unknownLayerMessage(wanted: string, label: string, ids: readonly string[]): string {
  const close = closeMatches(ids, wanted);
  const shown = ids.length > 60 ? `${ids.slice(0, 60).join(", ")}, ...` : ids.join(", ");
  return `no layer "${wanted}" in ${label}; layers are: ${shown}${close.length > 0 ? `; did you mean ${close.join(", ")}?` : ""}`;
}
