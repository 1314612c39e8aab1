import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Architecture, planArchitecture, planGraph } from "../../../../src/engine/model/architecture";
import { readSafetensors, writeSafetensors } from "../../../../src/engine/formats/safetensors";
import { resnet34, resnet50 } from "../../../../src/engine/model/torchvision/resnet";
import { checkWeights, DrawnWeights, initialWeights, type Tensor, WeightsMismatchError } from "../../../../src/engine/model/weights";
import { xaiArchitecture } from "../../../../src/engine/model/xaiArchitecture";

const plan = planArchitecture(xaiArchitecture(), 100, 100);

describe("seeded PyTorch-default initialisation", () => {
  const w0 = initialWeights(plan, 0);

  it("has exactly the state_dict keys of the seed's model, with PyTorch's shapes", () => {
    assert.deepEqual(w0.get("features.0.weight")?.shape, [64, 3, 3, 3]);
    assert.equal(w0.has("features.0.bias"), false, "the seed's convs have bias=False");
    assert.deepEqual(w0.get("features.1.running_var")?.shape, [64]);
    assert.deepEqual(w0.get("classifier.0.weight")?.shape, [512, 512]);
    assert.equal(w0.has("classifier.0.bias"), false);
    assert.deepEqual(w0.get("classifier.5.weight")?.shape, [2, 512]);
    assert.deepEqual(w0.get("classifier.5.bias")?.shape, [2]);
    // 13 convs, 13 BN x 4, 2 linear weights + 1 bias, BN1d x 4
    assert.equal(w0.size, 13 + 13 * 4 + 3 + 4);
  });

  it("draws conv weights from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and fills BN as PyTorch does", () => {
    const w = w0.get("features.4.weight")!.data;
    const bound = 1 / Math.sqrt(64 * 9);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of w) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    assert.ok(min >= -bound && max <= bound);
    assert.ok(max > bound * 0.99 && min < -bound * 0.99, "the whole interval is used");
    assert.ok(Math.abs(sum / w.length) < bound * 0.01, "centred");
    assert.ok(w0.get("features.1.weight")!.data.every((v) => v === 1));
    assert.ok(w0.get("features.1.running_mean")!.data.every((v) => v === 0));
  });

  it("is deterministic per seed and differs between seeds", () => {
    const again = initialWeights(plan, 0).get("features.0.weight")!.data;
    const other = initialWeights(plan, 1).get("features.0.weight")!.data;
    assert.deepEqual(again, w0.get("features.0.weight")!.data);
    assert.notDeepEqual(other, again);
  });
});

describe("redrawing the weights of an edited architecture", () => {
  /** The seed model with features.0 narrowed to `width` channels (and the layers that read it). */
  function narrowed(width: number): Architecture {
    const arch = xaiArchitecture();
    const steps = arch.steps.map((step) => {
      if (!("group" in step) || step.group !== "features") return step;
      const modules = step.modules.map((m, i) => {
        if (i === 0 && m.type === "conv2d") return { ...m, out: width };
        if (i === 1 && m.type === "batchnorm2d") return { ...m, features: width };
        if (i === 4 && m.type === "conv2d") return { ...m, in: width };
        return m;
      });
      return { ...step, modules };
    });
    return { ...arch, steps };
  }

  it("keeps the tensors whose key and shape are unchanged and draws the others as a fresh draw would", () => {
    const drawn = new DrawnWeights();
    const before = drawn.draw(plan, 0);
    const edited = planArchitecture(narrowed(32), 100, 100);
    const after = drawn.draw(edited, 0);
    const fresh = initialWeights(edited, 0);
    assert.ok(before.get("features.8.weight"));
    assert.equal(after.get("features.8.weight"), before.get("features.8.weight"), "an untouched conv is reused as it is");
    assert.notEqual(after.get("features.0.weight"), before.get("features.0.weight"));
    assert.deepEqual(after.get("features.0.weight")?.shape, [32, 3, 3, 3]);
    assert.deepEqual(after.get("features.4.weight")?.shape, [64, 32, 3, 3]);
    for (const [key, t] of fresh) assert.deepEqual(after.get(key)?.data, t.data, key);
  });

  it("draws a bias anew when its layer's fan-in changes, though its own shape does not", () => {
    const drawn = new DrawnWeights();
    const narrow = planGraph(resnet34(1000), 64, 64);
    const wide = planGraph(resnet50(1000), 64, 64);
    drawn.draw(narrow, 0, true);
    const after = drawn.draw(wide, 0, true);
    assert.deepEqual(after.get("fc.bias")?.data, initialWeights(wide, 0, true).get("fc.bias")?.data);
    const bound = Math.max(...after.get("fc.bias")!.data.map(Math.abs));
    assert.ok(bound <= 1 / Math.sqrt(2048) && bound > 0.9 / Math.sqrt(2048), `fc.bias within 1/sqrt(2048), got ${bound}`);
  });

  it("draws BatchNorm statistics away from (0, 1) only when asked, as torchvision models are", () => {
    const plain = initialWeights(plan, 0);
    assert.ok(plain.get("features.1.running_mean")!.data.every((v) => v === 0));
    assert.ok(plain.get("features.1.running_var")!.data.every((v) => v === 1));
    const tv = initialWeights(planGraph(resnet34(1000), 64, 64), 0, true);
    const mean = tv.get("bn1.running_mean")!.data;
    const variance = tv.get("bn1.running_var")!.data;
    assert.ok(mean.every((v) => Math.abs(v) <= 0.1) && new Set(mean).size === 64);
    assert.ok(variance.every((v) => v >= 0.5 && v <= 1.5) && new Set(variance).size === 64);
    assert.ok(tv.get("bn1.weight")!.data.every((v) => v === 1), "BatchNorm's weight keeps PyTorch's 1");
  });

  it("draws everything anew for another seed", () => {
    const drawn = new DrawnWeights();
    const seed0 = drawn.draw(plan, 0);
    const seed1 = drawn.draw(plan, 1);
    assert.ok(seed0.get("features.8.weight"));
    assert.notEqual(seed1.get("features.8.weight"), seed0.get("features.8.weight"));
    assert.deepEqual(seed1.get("features.8.weight")?.data, initialWeights(plan, 1).get("features.8.weight")?.data);
  });
});

describe("checkWeights", () => {
  it("accepts the model's own weights and ignores num_batches_tracked", () => {
    const w = initialWeights(plan, 0);
    w.set("features.1.num_batches_tracked", { shape: [], data: new Float32Array(1) });
    checkWeights(plan, w);
  });

  it("names missing, extra and mis-shaped keys", () => {
    const w = initialWeights(plan, 0);
    w.delete("features.4.weight");
    w.set("features.0.weight", { shape: [32, 3, 3, 3], data: new Float32Array(32 * 27) });
    w.set("head.weight", { shape: [1], data: new Float32Array(1) });
    assert.throws(() => checkWeights(plan, w), (e: unknown) => {
      assert.ok(e instanceof WeightsMismatchError);
      assert.match(e.message, /features\.0\.weight is \[32, 3, 3, 3\], Conv2d features\.0 needs \[64, 3, 3, 3\]/);
      assert.match(e.message, /missing features\.4\.weight/);
      assert.match(e.message, /unexpected head\.weight/);
      assert.deepEqual([...e.keys].sort(), ["features.0.weight", "features.4.weight", "head.weight"]);
      return true;
    });
  });
});

describe("safetensors", () => {
  it("round-trips float32 tensors with their names and shapes", () => {
    const tensors = new Map<string, Tensor>([
      ["a.weight", { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-7, -1e7]) }],
      ["b", { shape: [1], data: Float32Array.from([42]) }],
    ]);
    const back = readSafetensors(writeSafetensors(tensors), "t.safetensors");
    assert.deepEqual([...back.keys()], ["a.weight", "b"]);
    assert.deepEqual(back.get("a.weight"), tensors.get("a.weight"));
  });

  it("reads F16, BF16 and F64 as float32", () => {
    const header = JSON.stringify({
      h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
      b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
      d: { dtype: "F64", shape: [1], data_offsets: [8, 16] },
    });
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint16(0, 0x3c00, true); // 1.0
    v.setUint16(2, 0xc000, true); // -2.0
    v.setUint16(4, 0x4040, true); // bf16 3.0
    v.setFloat64(8, 0.25, true);
    const head = new TextEncoder().encode(header);
    const file = new Uint8Array(8 + head.length + body.length);
    new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
    file.set(head, 8);
    file.set(body, 8 + head.length);
    const t = readSafetensors(file, "x");
    assert.deepEqual([...t.get("h")!.data], [1, -2]);
    assert.deepEqual([...t.get("b")!.data], [3]);
    assert.deepEqual([...t.get("d")!.data], [0.25]);
  });

  it("says what is wrong with a broken file", () => {
    assert.throws(() => readSafetensors(new Uint8Array(3), "w.safetensors"), /w\.safetensors: not a readable safetensors file: shorter/);
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 1000n, true);
    assert.throws(() => readSafetensors(bad, "w.safetensors"), /runs past the end of the file/);
  });
});
