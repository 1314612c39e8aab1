import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { readNpy } from "../../../src/engine/formats/npy";
import { colormapLut } from "../../../src/shared/colormaps";
import { SAMPLE_IMAGE } from "../../support/paths";
import { cli } from "../../support/cli";
import { referenceLayers } from "../../support/reference";
import { runCliBounded } from "../../support/bounded";

// The CLI as users run it, in its own process.

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-cli-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe("feature-maps CLI", () => {
  it("layers: JSON of every layer at the default 100x100, output [9, 2]", async () => {
    const { code, stdout, stderr } = await cli("layers");
    assert.equal(code, 0);
    const layers = JSON.parse(stdout) as Array<{ id: string; op: string; shape: number[] }>;
    assert.equal(layers.length, 60);
    assert.deepEqual(layers[0], { id: "features.0", name: "features.0", op: "Conv2d", tensor: "features.0", shape: [1, 64, 98, 98] });
    assert.deepEqual(layers.find((l) => l.id === "features.30"), { id: "features.30", name: "features.30", op: "ReLU", tensor: "features.30", shape: [1, 512, 12, 12] });
    assert.match(stderr, /^XAI \(seed 0\): float32, input \[1, 3, 100, 100\], 60 layers$/m);
    assert.deepEqual(layers[layers.length - 1].shape, [9, 2]);
  });

  it("layers --size 224x224 follows the size", async () => {
    const layers = JSON.parse((await cli("layers", "--size", "224x224")).stdout) as Array<{ id: string; shape: number[] }>;
    assert.deepEqual(layers[0].shape, [1, 64, 222, 222]);
    assert.deepEqual(layers[layers.length - 1].shape, [36, 2]);
  });

  it("dump: the layer as float32 .npy in its own shape, equal to PyTorch's", async () => {
    const out = path.join(dir, "l30.npy");
    const { code } = await cli("dump", SAMPLE_IMAGE, "--layer", "30", "--out", out);
    assert.equal(code, 0);
    const array = readNpy(await fs.readFile(out), "l30.npy");
    assert.deepEqual(array.shape, [1, 512, 12, 12]);
    const ref = (await referenceLayers()).find((l) => l.id === "features.30")!;
    let max = -Infinity;
    for (const v of array.data) max = Math.max(max, v);
    assert.ok(Math.abs(max - ref.max) <= 1e-5 * ref.max, `max ${max} vs PyTorch ${ref.max}`);
  });

  it("render: the reference notebook's 4x4 figure, tile pixels coloured through viridis", async () => {
    const out = path.join(dir, "grid.png");
    const { code, stderr } = await cli("render", SAMPLE_IMAGE, "--layer", "30", "--out", out);
    assert.equal(code, 0);
    assert.match(stderr, /channels 0,1,2,3,10,11,12,13,20,21,22,23,30,31,32,33/);
    const image = await Jimp.read(out);
    // 12x12 tiles upscaled 17x, 4px gaps: 4 * 204 + 3 * 4.
    assert.deepEqual([image.width, image.height], [828, 828]);
    const lut = colormapLut("viridis");
    const viridis = new Set(Array.from({ length: 256 }, (_, i) => `${lut[i * 3]},${lut[i * 3 + 1]},${lut[i * 3 + 2]}`));
    const d = image.bitmap.data;
    for (const [x, y] of [[5, 5], [300, 100], [820, 820]]) {
      const o = (y * image.width + x) * 4;
      assert.ok(viridis.has(`${d[o]},${d[o + 1]},${d[o + 2]}`), `pixel ${x},${y} is a viridis colour`);
    }
  });

  it("weights: a safetensors state_dict the engine reads back to the same layer values", async () => {
    const weights = path.join(dir, "w.safetensors");
    assert.equal((await cli("weights", "--seed", "3", "--out", weights)).code, 0);
    const a = path.join(dir, "a.npy");
    const b = path.join(dir, "b.npy");
    await cli("dump", SAMPLE_IMAGE, "--layer", "features.10", "--seed", "3", "--out", a);
    await cli("dump", SAMPLE_IMAGE, "--layer", "features.10", "--weights", weights, "--out", b);
    assert.deepEqual(await fs.readFile(a), await fs.readFile(b));
  });

  it("errors go to stderr with a non-zero exit, stdout stays empty", async () => {
    const cases: Array<[string[], RegExp, number]> = [
      [["dump", SAMPLE_IMAGE, "--layer", "features.99", "--out", path.join(dir, "x.npy")], /no layer "features\.99" in XAI \(seed 0\); layers are: features\.0, /, 1],
      [["render", path.join(dir, "missing.png"), "--layer", "0", "--out", path.join(dir, "x.png")], /missing\.png: cannot read the file \(it does not exist\)/, 1],
      [["layers", "--size", "big"], /--size takes HxW/, 2],
      [["layers", "--provider", "tpu"], /--provider takes auto, cuda or cpu/, 2],
      [["render", SAMPLE_IMAGE, "--layer", "0", "--colormap", "jet", "--out", path.join(dir, "x.png")], /--colormap takes one of viridis/, 2],
      [["frobnicate"], /unknown command frobnicate/, 2],
      [["layers", "--size", "2x2"], /features\.\d+ \(\w+\) shrinks/, 1],
    ];
    for (const [args, expected, code] of cases) {
      const r = await cli(...args);
      assert.equal(r.code, code, args.join(" "));
      assert.match(r.stderr, expected);
      assert.equal(r.stdout, "");
    }
  });

  it("--arch: a torchvision model by name, its seeded weights written and read back the same", async () => {
    const layers = JSON.parse((await cli("layers", "--arch", "mobilenet_v3_small", "--image", SAMPLE_IMAGE)).stdout) as Array<{ id: string; shape: number[] }>;
    assert.deepEqual(layers.find((l) => l.id === "features.1.block.0")?.shape, [1, 16, 56, 56], "the 224x224 default input");
    assert.deepEqual(layers.slice(-2), [
      { id: "classifier.3", name: "classifier.3", op: "Linear", tensor: "classifier.3", shape: [1, 1000] },
      // A container's output is its last module's tensor.
      { id: "classifier", name: "classifier", op: "Sequential", tensor: "classifier.3", shape: [1, 1000] },
    ]);
    const weights = path.join(dir, "squeezenet.safetensors");
    assert.equal((await cli("weights", "--arch", "squeezenet1_1", "--seed", "5", "--out", weights)).code, 0);
    const a = path.join(dir, "s5.npy");
    const b = path.join(dir, "file.npy");
    await cli("dump", SAMPLE_IMAGE, "--arch", "squeezenet1_1", "--layer", "features.3", "--seed", "5", "--out", a);
    await cli("dump", SAMPLE_IMAGE, "--arch", "squeezenet1_1", "--layer", "features.3", "--weights", weights, "--out", b);
    assert.deepEqual(readNpy(await fs.readFile(a), "a").shape, [1, 128, 55, 55]);
    assert.deepEqual(await fs.readFile(a), await fs.readFile(b));
    for (const [args, expected] of [
      [["layers", "--arch", "resnet9000"], /--arch takes one of resnet18, resnet34, /],
      [["layers", "--arch", "resnet18", "model.onnx"], /give either an ONNX MODEL or --arch, not both/],
    ] as const) {
      const r = await cli(...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, expected);
    }
  });

  it("an unknown --layer is refused before the model runs, with close matches", async () => {
    // At 2048x2048 every layer of the built-in model would take gigabytes: a run would show.
    const r = await runCliBounded(["dump", SAMPLE_IMAGE, "--size", "2048x2048", "--layer", "features.3O", "--out", path.join(dir, "x.npy")], { timeoutMs: 30_000, maxMB: 400 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no layer "features\.3O".*did you mean [^?]*features\.30[,?]/s);
    assert.ok(r.peakMB < 400, `peak ${r.peakMB} MB`);
  });
});
