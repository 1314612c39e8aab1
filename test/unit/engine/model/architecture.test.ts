import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Architecture, ArchitectureError, moduleIds, planArchitecture } from "../../../../src/engine/model/architecture";
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
