// A model can put NaN and infinities in a layer (a division by zero, the log of a negative number,
// an overflow). They have no place on a colormap, and one of them would turn a min, a mean or a
// range into NaN or Infinity: statistics and ranges take the finite values only, and tiles carry a
// separate mask saying which pixels were which kind, so they paint in fixed colours of their own.

export const NON_FINITE_KINDS = ["nan", "posInf", "negInf"] as const;
export type NonFiniteKind = (typeof NON_FINITE_KINDS)[number];

export type NonFiniteCounts = Readonly<Record<NonFiniteKind, number>>;

export const NON_FINITE_LABELS: Readonly<Record<NonFiniteKind, string>> = { nan: "NaN", posInf: "+Inf", negInf: "−Inf" };

export const NO_NON_FINITE: NonFiniteCounts = Object.freeze({ nan: 0, posInf: 0, negInf: 0 });

export function nonFiniteKind(v: number): NonFiniteKind | undefined {
  // v - v is 0 for every finite number and NaN for NaN and both infinities.
  if (v - v === 0) return undefined;
  return Number.isNaN(v) ? "nan" : v > 0 ? "posInf" : "negInf";
}

/** A mask byte: 0 for a finite value, else 1 + the kind's place in NON_FINITE_KINDS. */
export function maskCode(kind: NonFiniteKind | undefined): number {
  return kind === undefined ? 0 : NON_FINITE_KINDS.indexOf(kind) + 1;
}

export function nonFiniteTotal(counts: NonFiniteCounts): number {
  return NON_FINITE_KINDS.reduce((n, kind) => n + counts[kind], 0);
}

/** Writes the mask byte of each value into out, which is as long as values. */
export function nonFiniteMask(values: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < values.length; i++) out[i] = maskCode(nonFiniteKind(values[i]));
}
