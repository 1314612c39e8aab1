// Activations span many magnitudes (1e-4 deep in a network, 1e2 in logits): four significant
// digits everywhere, exponent form only where fixed notation would hide the digits.

import { NON_FINITE_LABELS, nonFiniteKind } from "../../src/shared/nonFinite";

export function formatValue(v: number): string {
  const kind = nonFiniteKind(v);
  if (kind) return NON_FINITE_LABELS[kind];
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 2 : 1)}%`;
}
