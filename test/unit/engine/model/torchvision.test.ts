import assert from "node:assert/strict";
import { readFileSync } from "fs";
import * as path from "path";
import { after, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { statsOf } from "../../../../src/engine/analysis/stats";
import { TORCHVISION_ARCHS } from "../../../../src/shared/choices";
import { REFERENCE } from "../../../support/paths";

// Every torchvision architecture, built by the engine from seed 0, against torchvision 0.14
// running the same weights (scripts/make_torchvision_references.py): every module's output, each
// call of a module called more than once, containers included. Tolerance as for the XAI model:
// 1e-4 absolute and 1e-5 of the layer's magnitude.

interface RefLayer {
  id: string;
  op: string;
  shape: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
  samples: Array<[number, number]>;
  channelMeans?: Array<[number, number]>;
}

interface Reference {
  input: { size: number; amplitude: number; mean: number; std: number; samples: Array<[number, number]> };
  output: number[];
  notCalled: string[];
  layers: RefLayer[];
}

/** The script's input: flat i -> (frac((i + 1) * 2654435761 / 2^32) * 4 - 2) * amplitude, exact in doubles. */
function fixedInput(size: number, amplitude: number): Float32Array {
  const x = new Float32Array(3 * size * size);
  for (let i = 0; i < x.length; i++) x[i] = (((Math.imul(i + 1, 0x9e3779b1) >>> 0) / 4294967296) * 4 - 2) * amplitude;
  return x;
}

/** Steps of `forward` that are functions, not modules: torchvision has no hook on them. */
const FUNCTIONAL = /(^|\.)(add|mul|cat|flatten|relu|adaptive_avg_pool2d)(#\d+)?$/;

function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

describe("torchvision architectures equal torchvision 0.14 on every module", () => {
  const engine = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 2048 });
  after(() => engine.dispose());

  for (const name of TORCHVISION_ARCHS) {
    it(name, async () => {
      const ref = JSON.parse(readFileSync(path.join(REFERENCE, "torchvision", `${name}.json`), "utf8")) as Reference;
      const size = ref.input.size;
      const input = fixedInput(size, ref.input.amplitude);
      for (const [i, v] of ref.input.samples) assert.equal(input[i], Math.fround(v), `input[${i}]`);
      assert.ok(Math.abs(statsOf(input).mean - ref.input.mean) < 1e-6 * ref.input.amplitude);
      const analysis = await engine.analyze({ input: { tensor: input, height: size, width: size, label: "fixed input" }, model: { kind: "torchvision", name, weights: { seed: 0 } } });
      const ids = analysis.model.layers.map((l) => l.id);
      const refIds = new Set(ref.layers.map((l) => l.id));
      const extra = ids.filter((id) => !refIds.has(id));
      assert.deepEqual(extra.filter((id) => !FUNCTIONAL.test(id)), [], "layers torchvision does not have");
      assert.deepEqual(ref.notCalled.filter((id) => ids.includes(id)), [], "modules forward never calls");
      assert.deepEqual(analysis.model.outputShape, ref.output);
      for (const layer of ref.layers) {
        assert.ok(ids.includes(layer.id), `${layer.id} (${layer.op}) is missing`);
        const a = await analysis.activation(layer.id);
        assert.deepEqual([...a.shape], layer.shape, `${layer.id} shape`);
        const tolerance = Math.min(1e-4, 1e-5 * Math.max(Math.abs(layer.min), Math.abs(layer.max)));
        const s = statsOf(a.data);
        for (const k of ["min", "max", "mean", "std"] as const) {
          assert.ok(Math.abs(s[k] - layer[k]) <= tolerance, `${layer.id} ${k}: ours ${s[k]}, torchvision ${layer[k]}, tolerance ${tolerance}`);
        }
        for (const [i, v] of layer.samples) {
          assert.ok(Math.abs(a.data[i] - v) <= tolerance, `${layer.id}[${i}]: ours ${a.data[i]}, torchvision ${v}, tolerance ${tolerance}`);
        }
        const plane = layer.shape.length === 4 ? layer.shape[2] * layer.shape[3] : 0;
        for (const [c, v] of layer.channelMeans ?? []) {
          const m = mean(a.data.subarray(c * plane, (c + 1) * plane));
          assert.ok(Math.abs(m - v) <= tolerance, `${layer.id} channel ${c} mean: ours ${m}, torchvision ${v}, tolerance ${tolerance}`);
        }
      }
    });
  }
});
