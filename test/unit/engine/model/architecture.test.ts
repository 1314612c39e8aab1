import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Architecture, ArchitectureError, moduleIds, type ModuleSpec, planArchitecture } from "../../../../src/engine/model/architecture";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { xaiArchitecture } from "../../../../src/engine/model/xaiArchitecture";

describe("the seed's XAI architecture", () => {
  const plan = planArchitecture(xaiArchitecture(), 100, 100);
  const shape = (id: string) => plan.find((m) => m.id === id)?.outputShape;

  it("has 52 feature modules named as PyTorch names them, then view, 6 classifier modules and the output", () => {
    const ids = plan.map((m) => m.id);
    assert.equal(ids.filter((id) => id.startsWith("features.")).length, 52);
    assert.deepEqual(ids.slice(50, 60), ["features.50", "features.51", "view", "classifier.0", "classifier.1", "classifier.2", "classifier.3", "classifier.4", "classifier.5", "output"]);
    assert.deepEqual(moduleIds(xaiArchitecture()), ids);
  });

  it("gives the shapes the seed's note states, including the [9, 2] output at 100x100", () => {
    assert.deepEqual(shape("features.0"), [1, 64, 98, 98]);
    assert.deepEqual(shape("features.30"), [1, 512, 12, 12]);
    assert.deepEqual(shape("features.51"), [1, 512, 3, 3]);
    assert.deepEqual(shape("view"), [9, 512]);
    assert.deepEqual(shape("output"), [9, 2]);
  });

  it("gives [1, 2] at the CIFAR size it was designed for (34x34 after the unpadded first conv)", () => {
    const small = planArchitecture(xaiArchitecture(), 34, 34);
    assert.deepEqual(small[small.length - 1].outputShape, [1, 2]);
  });

  it("puts the module types where the seed has them", () => {
    const types = plan.slice(0, 52).map((m) => m.spec.type);
    assert.equal(types[0], "conv2d");
    assert.equal(types[3], "dropout");
    assert.equal(types[7], "maxpool2d");
    assert.equal(types[30], "relu");
    assert.equal(types[51], "maxpool2d");
    const first = plan[0].spec;
    assert.ok(first.type === "conv2d" && (first.padding ?? 0) === 0 && first.bias === false);
  });
});

describe("planArchitecture errors", () => {
  const conv = (inC: number, out: number) => ({ type: "conv2d" as const, in: inC, out, kernel: 3, padding: 1 });

  it("names both modules on a channel mismatch", () => {
    const arch: Architecture = { inputChannels: 3, steps: [{ group: "features", modules: [conv(3, 32), { type: "relu" }, { type: "dropout" }, { type: "dropout" }, conv(64, 64)] }] };
    assert.throws(() => planArchitecture(arch, 32, 32), (e: unknown) => {
      assert.ok(e instanceof ArchitectureError);
      assert.equal(e.message, "features.4 expects 64 input channels, features.3 gives 32");
      assert.equal(e.moduleIndex, 4);
      return true;
    });
  });

  it("says when the spatial size collapses to zero", () => {
    const arch: Architecture = { inputChannels: 3, steps: [{ group: "f", modules: [{ type: "maxpool2d", kernel: 2 }, { type: "maxpool2d", kernel: 2 }] }] };
    assert.throws(() => planArchitecture(arch, 3, 3), /f\.1 \(MaxPool2d\) shrinks \[1, 3, 1, 1\] to \[1, 3, 0, 0\]/);
  });

  it("says when a view does not fit", () => {
    const arch: Architecture = { inputChannels: 3, steps: [{ call: { type: "view", shape: [-1, 7] }, id: "view" }] };
    assert.throws(() => planArchitecture(arch, 10, 10), /view\(-1, 7\) does not fit an input of \[1, 3, 10, 10\]/);
  });
});

describe("leaf modules torchvision needs, in a step architecture", () => {
  const one = (spec: ModuleSpec): Architecture => ({ inputChannels: 1, steps: [{ group: "f", modules: [spec] }] });
  // PyTorch's formulas; the ramp covers both flat ends of each.
  const leaves: ReadonlyArray<readonly [ModuleSpec, (x: number) => number]> = [
    [{ type: "hardswish" }, (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
    [{ type: "relu6" }, (x) => Math.min(Math.max(x, 0), 6)],
    [{ type: "silu" }, (x) => x / (1 + Math.exp(-x))],
    [{ type: "hardsigmoid" }, (x) => Math.min(Math.max(x + 3, 0), 6) / 6],
  ];
  const ceilPool: ModuleSpec = { type: "maxpool2d", kernel: 2, stride: 2, padding: 1, ceil: true };

  it("compute PyTorch's Hardswish, ReLU6, SiLU and Hardsigmoid, and ceil_mode's last-window rule", async () => {
    // 5 -> 3 with ceil_mode: ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the 4th would start in the right padding.
    assert.deepEqual(planArchitecture(one(ceilPool), 5, 5)[0].outputShape, [1, 1, 3, 3]);
    const ramp = Float32Array.from({ length: 25 }, (_, i) => (i - 12) * 0.75);
    const preprocessing = { height: 5, width: 5, channelOrder: "rgb", scale: 1 } as const;
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    const run = (spec: ModuleSpec) =>
      engine.analyze({ input: { tensor: ramp, height: 5, width: 5, label: "ramp" }, model: { kind: "architecture", label: spec.type, architecture: one(spec), weights: { seed: 0 }, preprocessing } });
    try {
      for (const [spec, f] of leaves) {
        const got = (await (await run(spec)).activation("f.0")).data;
        ramp.forEach((x, j) => assert.ok(Math.abs(got[j] - f(x)) < 1e-6, `${spec.type}(${x}): ${got[j]}, PyTorch ${f(x)}`));
      }
      const pooled = await (await run(ceilPool)).activation("f.0");
      assert.deepEqual([...pooled.shape], [1, 1, 3, 3]);
      // Windows start at -1, 1, 3 (padding is -inf): rows 0, 1-2, 3-4.
      assert.deepEqual([...pooled.data], [ramp[0], ramp[2], ramp[4], ramp[10], ramp[12], ramp[14], ramp[20], ramp[22], ramp[24]]);
    } finally {
      engine.dispose();
    }
  });

  it("average adaptively at any input size, not only the size the model was built at", async () => {
    const arch: Architecture = { inputChannels: 1, steps: [{ group: "f", modules: [{ type: "adaptive_avgpool2d", output: 2 }] }] };
    const engine = new FeatureMapsEngine({ provider: "cpu" });
    try {
      // Built for 4x4 (2x2 windows), run at 6x4: windows of 3 rows by 2 columns.
      const input = Float32Array.from({ length: 24 }, (_, i) => i * i);
      const preprocessing = { height: 4, width: 4, channelOrder: "rgb", scale: 1 } as const;
      const analysis = await engine.analyze({ input: { tensor: input, height: 6, width: 4, label: "squares" }, model: { kind: "architecture", label: "pool", architecture: arch, weights: { seed: 0 }, preprocessing } });
      const window = (r: number, c: number): number => [0, 1, 2].flatMap((dr) => [0, 1].map((dc) => input[(3 * r + dr) * 4 + 2 * c + dc])).reduce((a, b) => a + b) / 6;
      const pooled = await analysis.activation("f.0");
      assert.deepEqual([...pooled.shape], [1, 1, 2, 2]);
      const expected = [window(0, 0), window(0, 1), window(1, 0), window(1, 1)];
      pooled.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-6 * expected[i], `window ${i}: ${v}, expected ${expected[i]}`));
    } finally {
      engine.dispose();
    }
  });
});
