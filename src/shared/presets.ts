/**
 * the reference notebook's figure: a 4x4 grid showing channels row*10 + column (0-3, 10-13, 20-23, 30-33).
 * A layer with fewer than 34 channels cannot hold that pattern, so it shows its first 16.
 */
export function notebookChannels(totalChannels: number): number[] {
  const grid = Array.from({ length: 16 }, (_, i) => Math.floor(i / 4) * 10 + (i % 4));
  return totalChannels > 33 ? grid : Array.from({ length: Math.min(16, totalChannels) }, (_, i) => i);
}

export const NOTEBOOK_GRID = { rows: 4, columns: 4 } as const;
