import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { readNpy, writeNpy } from "../../../src/engine/formats/npy";
import { withZip } from "../../../src/engine/formats/zipArchive";
import { runCliBounded } from "../../support/bounded";
import { DT, modelBytes, node, ramp, tensor, valueInfo } from "../../support/onnxGraphs";
import { SAMPLE_IMAGE } from "../../support/paths";
import { cli } from "../../support/cli";

// The CLI on ONNX models as they ship: layers listed without running, every layer in one .npz,
// grids that fit the channels, input options that would be ignored refused.


let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-cli-onnx-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

interface Listed {
  id: string;
  op: string;
  tensor: string;
  dtype?: string;
  layout?: string;
  shape: number[];
}

/** [1, 3, side, side] fixed -> `convs` x (Conv 3x3 to 16 channels -> Relu): 2 * convs maps of 16 * side^2 floats. */
function convStack(side: number, convs: number): Uint8Array {
  const nodes = [];
  const initializers = [];
  let from = "x";
  for (let i = 0; i < convs; i++) {
    const inC = i === 0 ? 3 : 16;
    initializers.push(tensor(`w${i}`, [16, inC, 3, 3], DT.FLOAT, ramp(16 * inC * 9, i + 1).map((v) => v * 0.1)));
    nodes.push(node("Conv", [from, `w${i}`], [`/block${i}/conv/Conv_output_0`], { pads: [1, 1, 1, 1] }, `/block${i}/conv/Conv`));
    nodes.push(node("Relu", [`/block${i}/conv/Conv_output_0`], [`/block${i}/act/Relu_output_0`], {}, `/block${i}/act/Relu`));
    from = `/block${i}/act/Relu_output_0`;
  }
  return modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, side, side]), nodes, initializers, outputs: [from] });
}

describe("feature-maps layers on an ONNX model", () => {
  it("lists a 1024x1024 model's 12 maps (768 MB of them) and their 6 blocks from their shapes, without running it", async () => {
    const file = path.join(dir, "big.onnx");
    await fs.writeFile(file, convStack(1024, 6));
    const r = await runCliBounded(["layers", file], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const layers = JSON.parse(r.stdout) as Listed[];
    // Each block is a layer too, holding the tensor of the module that ends it.
    assert.equal(layers.length, 18);
    assert.deepEqual(layers[0], { id: "block0.conv", name: "block0.conv", op: "Conv", tensor: "/block0/conv/Conv_output_0", shape: [1, 16, 1024, 1024] });
    assert.deepEqual(layers[17], { id: "block5", name: "block5", op: "module", tensor: "/block5/act/Relu_output_0", shape: [1, 16, 1024, 1024] });
    assert.match(r.stderr, /big\.onnx: float32, input \[1, 3, 1024, 1024\], 18 layers/);
    // A run would hold every map until it ends: 768 MB. Node and onnxruntime alone take about 150.
    assert.ok(r.peakMB < 400, `peak ${r.peakMB.toFixed(0)} MB`);
  });

  it("says the dtype of a float16 model and of its maps", async () => {
    const file = path.join(dir, "half.onnx");
    await fs.writeFile(
      file,
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 3, "h", "w"]),
        nodes: [node("Cast", ["x"], ["h16"], { to: DT.FLOAT16 }), node("Conv", ["h16", "w"], ["conv"]), node("Cast", ["conv"], ["y"], { to: DT.FLOAT })],
        initializers: [tensor("w", [4, 3, 3, 3], DT.FLOAT16, ramp(108))],
        outputs: ["y"],
      }),
    );
    const r = await cli("layers", file, "--size", "32x48");
    assert.equal(r.code, 0, r.stderr);
    const layers = JSON.parse(r.stdout) as Listed[];
    assert.deepEqual(layers.map((l) => [l.id, l.dtype, l.shape]), [
      ["h16", "float16", [1, 3, 32, 48]],
      ["conv", "float16", [1, 4, 30, 46]],
      ["y", undefined, [1, 4, 30, 46]],
    ]);
    assert.match(r.stderr, /half\.onnx: float16, input \[1, 3, 32, 48\], 3 layers/);
  });
});

describe("feature-maps dump --all", () => {
  it("writes every layer into one .npz, each entry the .npy that dump --layer writes", async () => {
    const out = path.join(dir, "acts.npz");
    const r = await cli("dump", SAMPLE_IMAGE, "--all", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^60 layers \(\d+ MB\) -> /m);
    const single = path.join(dir, "l30.npy");
    assert.equal((await cli("dump", SAMPLE_IMAGE, "--layer", "30", "--out", single)).code, 0);
    await withZip(out, async (zip) => {
      assert.equal(zip.sizes.size, 60);
      assert.ok(zip.sizes.has("features.0.npy") && zip.sizes.has("classifier.5.npy"));
      assert.deepEqual(new Uint8Array(await zip.read("features.30.npy", 1 << 24)), new Uint8Array(await fs.readFile(single)));
      assert.deepEqual(readNpy(await zip.read("classifier.5.npy", 1 << 20), "c5").shape, [9, 2]);
    });
  });

  it("writes the float32 values of an NHWC model's maps as [N, C, H, W]", async () => {
    const file = path.join(dir, "nhwc.onnx");
    await fs.writeFile(
      file,
      modelBytes({
        input: valueInfo("x", DT.FLOAT, [1, 5, 4, 3]),
        // No module scope in the node's name: the id is the tensor's name, slash and all.
        nodes: [node("Mul", ["x", "k"], ["/scaled/Mul_output_0"], {}, "mul")],
        initializers: [tensor("k", [3], DT.FLOAT, [1, 10, 100])],
        outputs: ["/scaled/Mul_output_0"],
      }),
    );
    // An NCHW float32 array, as images are made.
    const x = Float32Array.from({ length: 60 }, (_, i) => i);
    const npy = path.join(dir, "x.npy");
    await fs.writeFile(npy, writeNpy(x, [1, 3, 5, 4]));
    const out = path.join(dir, "nhwc.npz");
    const r = await cli("dump", "--input-npy", npy, "--all", "--model", file, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    await withZip(out, async (zip) => {
      assert.deepEqual([...zip.sizes.keys()], ["scaled/Mul_output_0.npy"]);
      const a = readNpy(await zip.read("scaled/Mul_output_0.npy", 1 << 20), "scaled");
      assert.deepEqual(a.shape, [1, 3, 5, 4]);
      assert.deepEqual([...a.data], [...x].map((v, i) => v * [1, 10, 100][Math.floor(i / 20)]));
    });
  });

  it("refuses --all with --layer, and an --out that is not .npz", async () => {
    const both = await cli("dump", SAMPLE_IMAGE, "--all", "--layer", "0", "--out", path.join(dir, "a.npz"));
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give --layer or --all, not both/);
    const npy = await cli("dump", SAMPLE_IMAGE, "--all", "--out", path.join(dir, "a.npy"));
    assert.equal(npy.code, 2);
    assert.match(npy.stderr, /--all writes an \.npz/);
  });
});

describe("feature-maps render of a map with few channels", () => {
  it("draws a grid that fits the channels: one channel is one picture, not a 4x4 of empty cells", async () => {
    const file = path.join(dir, "one.onnx");
    await fs.writeFile(
      file,
      modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, 300, 300]), nodes: [node("Conv", ["x", "w"], ["y"])], initializers: [tensor("w", [1, 3, 1, 1], DT.FLOAT, [0.3, 0.6, 0.1])], outputs: ["y"] }),
    );
    const out = path.join(dir, "one.png");
    const r = await cli("render", SAMPLE_IMAGE, "--model", file, "--layer", "y", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const image = await Jimp.read(out);
    assert.deepEqual([image.width, image.height], [300, 300]);
    // 5 channels by --grid 4x4: two rows of four, not four rows.
    const five = path.join(dir, "five.onnx");
    await fs.writeFile(five, modelBytes({ input: valueInfo("x", DT.FLOAT, [1, 3, 300, 300]), nodes: [node("Conv", ["x", "w"], ["y"])], initializers: [tensor("w", [5, 3, 1, 1], DT.FLOAT, ramp(15))], outputs: ["y"] }));
    assert.equal((await cli("render", SAMPLE_IMAGE, "--model", five, "--layer", "y", "--grid", "4x4", "--out", out)).code, 0);
    const grid = await Jimp.read(out);
    assert.deepEqual([grid.width, grid.height], [4 * 300 + 3 * 4, 2 * 300 + 4]);
  });
});

describe("--input-npy with options it would ignore", () => {
  it("refuses --size, and a config input size the array does not have", async () => {
    const npy = path.join(dir, "in.npy");
    await fs.writeFile(npy, writeNpy(new Float32Array(3 * 8 * 8), [1, 3, 8, 8]));
    const sized = await cli("dump", "--input-npy", npy, "--size", "16x16", "--layer", "0", "--out", path.join(dir, "o.npy"));
    assert.equal(sized.code, 2);
    assert.match(sized.stderr, /--size is for images; an --input-npy array is fed at its own size/);
    const config = path.join(dir, "m.featuremaps.json");
    await fs.writeFile(config, JSON.stringify({ model: { onnx: "cfg.onnx" }, input: { size: [300, 300] } }));
    await fs.writeFile(path.join(dir, "cfg.onnx"), convStack(8, 1));
    const configured = await cli("layers", "--config", config, "--input-npy", npy);
    assert.equal(configured.code, 2);
    assert.match(configured.stderr, /the config's input size 300x300 is for images; in\.npy is 8x8/);
  });
});
