import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import type { Analysis } from "../../src/engine/analysis/analysis";
import { readNpy } from "../../src/engine/formats/npy";
import { geometry, statsOf } from "../../src/engine/analysis/stats";
import { REFERENCE } from "./paths";

export interface ReferenceLayer {
  id: string;
  op: string;
  shape: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
  zeros: number;
  channelMeans?: number[];
  storedChannels?: number[];
  file: string;
}

export const SEED0 = path.join(REFERENCE, "xai-seed0-chelsea");

export async function referenceLayers(): Promise<ReferenceLayer[]> {
  return (JSON.parse(await fs.readFile(path.join(SEED0, "layers.json"), "utf8")) as { layers: ReferenceLayer[] }).layers;
}

/** The exact tensor the seed's model saw: uint8 BGR planes / 255. */
export async function referenceInput(): Promise<Float32Array> {
  const input = readNpy(await fs.readFile(path.join(SEED0, "input.npy")), "input.npy");
  assert.deepEqual(input.shape, [1, 3, 100, 100]);
  return input.data.map((v) => v / 255);
}

/**
 * Compares one of our layers with PyTorch's: absolute error at most 1e-4 (the bar) and,
 * because deep layers of an untrained net hold values near 1e-5, also at most 1e-5 of the
 * layer's own magnitude, so a small layer cannot pass by being small.
 */
export async function assertLayerMatches(ours: Analysis, oursId: string, ref: ReferenceLayer): Promise<void> {
  const a = await ours.activation(oursId);
  assert.deepEqual([...a.shape], ref.shape, `${ref.id} shape`);
  const scale = Math.max(Math.abs(ref.min), Math.abs(ref.max));
  const tolerance = Math.min(1e-4, 1e-5 * scale);
  const s = statsOf(a.data);
  for (const k of ["min", "max", "mean", "std"] as const) {
    assert.ok(Math.abs(s[k] - ref[k]) <= tolerance, `${ref.id} ${k}: ours ${s[k]}, PyTorch ${ref[k]}, tolerance ${tolerance}`);
  }
  const stored = readNpy(await fs.readFile(path.join(SEED0, ref.file)), ref.file);
  const g = geometry(a.shape);
  const channels = ref.storedChannels ?? [0];
  const size = a.shape.length === 4 ? g.height * g.width : a.data.length;
  let worst = 0;
  channels.forEach((c, i) => {
    const mine = a.data.subarray(c * size, (c + 1) * size);
    for (let j = 0; j < size; j++) worst = Math.max(worst, Math.abs(mine[j] - stored.data[i * size + j]));
  });
  assert.ok(worst <= tolerance, `${ref.id}: max abs error ${worst} over channels ${channels} > ${tolerance}`);
  if (ref.channelMeans) {
    const means = Array.from({ length: g.channels }, (_, c) => statsOf(a.data.subarray(c * size, (c + 1) * size)).mean);
    const worstMean = Math.max(...means.map((m, c) => Math.abs(m - ref.channelMeans![c]) - 1e-6 * Math.abs(ref.channelMeans![c])));
    assert.ok(worstMean <= tolerance, `${ref.id}: a channel mean is off by ${worstMean}`);
  }
}
