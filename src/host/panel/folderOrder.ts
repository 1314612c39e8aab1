// The order of the Explorer's default sort: names compared as a person reads them, numbers by
// value (img2 before img10), case and accents aside; equal names then by their code points.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function explorerOrder(names: readonly string[]): string[] {
  return [...names].sort((a, b) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The place of `name` among `sorted` and the name `step` places away, stopping at the ends (no wrap). */
export function neighbour(sorted: readonly string[], name: string, step: 1 | -1): string | undefined {
  const at = sorted.indexOf(name);
  return at < 0 ? undefined : sorted[at + step];
}
