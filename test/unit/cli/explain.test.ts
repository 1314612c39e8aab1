import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { readNpy } from "../../../src/engine/formats/npy";
import { REFERENCE, SAMPLE_IMAGE } from "../../support/paths";
import { runCliBounded } from "../../support/bounded";

interface CamCase {
  readonly layer: string;
  readonly class: number;
  readonly reduce: string;
  readonly gradcam: number[];
}

const cli = (...args: string[]): ReturnType<typeof runCliBounded> => runCliBounded(args, { timeoutMs: 60_000, maxMB: 600 });

// `explain` and `predict` as users run them, on the sample image with the built-in model; the map
// written by --npy is the one the engine tests hold to PyTorch (test/reference/cam/).
describe("feature-maps explain and predict", () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-explain-cli-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("writes the overlay at the image's size and the raw Grad-CAM map PyTorch computes", async () => {
    const reference = JSON.parse(await fs.readFile(path.join(REFERENCE, "cam", "xai-seed0.json"), "utf8")) as { cases: CamCase[] };
    const ref = reference.cases.find((c) => c.layer === "features.51" && c.class === 0 && c.reduce === "sum");
    assert.ok(ref);
    const out = path.join(dir, "overlay.png");
    const npy = path.join(dir, "map.npy");
    const r = await cli("explain", SAMPLE_IMAGE, "--layer", "51", "--class", "0", "--out", out, "--npy", npy);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /gradcam at features\.51, class 0/);
    const map = readNpy(await fs.readFile(npy), "map.npy");
    assert.deepEqual(map.shape, [3, 3]);
    const scale = Math.max(...ref.gradcam);
    map.data.forEach((v, i) => assert.ok(Math.abs(v - ref.gradcam[i]) <= 1e-4 * scale, `value ${i}: ${v} vs ${ref.gradcam[i]}`));
    const [overlay, original] = await Promise.all([Jimp.read(out), Jimp.read(SAMPLE_IMAGE)]);
    assert.deepEqual([overlay.width, overlay.height], [original.width, original.height]);
  });

  it("predict prints the classes, best first, with probabilities", async () => {
    const r = await cli("predict", SAMPLE_IMAGE, "--top", "2");
    assert.equal(r.code, 0, r.stderr);
    const top = JSON.parse(r.stdout) as { index: number; score: number; probability: number }[];
    assert.equal(top.length, 2);
    assert.ok(top[0].score >= top[1].score);
    assert.ok(Math.abs(top[0].probability + top[1].probability - 1) < 1e-9);
  });

  it("predict names the classes of a 1000-class torchvision head with ImageNet's names", async () => {
    const r = await cli("predict", SAMPLE_IMAGE, "--arch", "resnet18", "--top", "3");
    assert.equal(r.code, 0, r.stderr);
    const top = JSON.parse(r.stdout) as { index: number; name: string }[];
    assert.equal(top.length, 3);
    for (const c of top) assert.ok(typeof c.name === "string" && c.name.length > 0 && c.index >= 0 && c.index < 1000, JSON.stringify(c));
    const tench = JSON.parse((await cli("predict", SAMPLE_IMAGE, "--arch", "resnet18", "--top", "1000")).stdout) as { index: number; name: string }[];
    assert.equal(tench.find((c) => c.index === 0)?.name, "tench");
  });

  it("a config's labels file names the classes of its model", async () => {
    await fs.writeFile(path.join(dir, "labels.txt"), "cat\ndog\nbird\nfish\nfrog\n\n");
    const config = path.join(dir, "tiny.featuremaps.json");
    const model = path.join(REFERENCE, "cam", "tiny.onnx");
    await fs.writeFile(config, JSON.stringify({ model: { onnx: model }, labels: "labels.txt", input: { size: [32, 32] } }));
    const r = await cli("predict", SAMPLE_IMAGE, "--config", config, "--top", "5");
    assert.equal(r.code, 0, r.stderr);
    const top = JSON.parse(r.stdout) as { index: number; name: string }[];
    assert.deepEqual(
      top.map((c) => c.name),
      top.map((c) => ["cat", "dog", "bird", "fish", "frog"][c.index]),
    );
    await fs.writeFile(config, JSON.stringify({ model: { onnx: model }, labels: "nowhere.txt" }));
    const missing = await cli("predict", SAMPLE_IMAGE, "--config", config);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /labels file nowhere\.txt does not exist/);
  });

  it("refuses options that do not fit, naming the option", async () => {
    const cases: [string[], RegExp][] = [
      [["--method", "lime"], /--method takes gradcam, hirescam, gradcam\+\+, eigencam, scorecam, occlusion, got lime/],
      [["--method", "occlusion", "--layer", "3"], /occlusion works on the input: leave out --layer/],
      [["--reduce", "max"], /--reduce takes sum or mean, got max/],
      [["--window", "0", "--method", "occlusion"], /--window takes a whole number of at least 1, got 0/],
      [["--opacity", "2"], /--opacity takes a number from 0 to 1, got 2/],
    ];
    for (const [args, message] of cases) {
      const r = await cli("explain", SAMPLE_IMAGE, "--out", path.join(dir, "x.png"), ...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
  });

  it("names a class the output does not have", async () => {
    const r = await cli("explain", SAMPLE_IMAGE, "--class", "7", "--out", path.join(dir, "x.png"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /class 7 is not among the output's 2 classes \(0-1\) \[INPUT_INVALID\]/);
  });
});
