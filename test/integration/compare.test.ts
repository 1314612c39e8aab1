import * as assert from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { readNpy } from "../../src/engine/formats/npy";
import { withZip } from "../../src/engine/formats/zipArchive";
import { writeSafetensors } from "../../src/engine/formats/safetensors";
import { seededStateDict } from "../../src/engine/model/models";
import type { ComparePanel } from "../../src/host/compare/comparePanel";
import { sidesFromResource, sidesResource } from "../../src/host/compare/compareSides";
import { colormapLut } from "../../src/shared/colormaps";
import type { CompareSnapshot } from "../../src/shared/compare";
import { toBytes } from "../../src/shared/normalize";
import { api, workspaceFile } from "./support";

// Compare Feature Maps in a real VS Code: the panel's painted pixels read back, checked against
// the layer's A, B and A - B as the panel exports them (.npz).

/** A 512-channel conv with small maps (12x12 here), so every activation pixel is a block of pixels to read. */
const LAYER = "features.28";

interface Arrays {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly diff: Float32Array;
  readonly shape: readonly number[];
}

async function exported(panel: ComparePanel, layer: string, dir: string): Promise<Arrays> {
  const file = path.join(dir, `${layer}.npz`);
  assert.strictEqual(await panel.exportNpz(layer, vscode.Uri.file(file)), file);
  return withZip(file, async (zip) => {
    const entry = async (name: string) => readNpy(await zip.read(`${name}.npy`, 1 << 30), name);
    const [a, b, diff] = [await entry("a"), await entry("b"), await entry("diff")];
    return { a: a.data, b: b.data, diff: diff.data, shape: a.shape };
  });
}

function range(values: Float32Array): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  return { low, high };
}

function maxAbs(values: Float32Array): number {
  const r = range(values);
  return Math.max(Math.abs(r.low), Math.abs(r.high));
}

/** Ascending cosine of the flattened maps, ties by index (the engine's rule, written again here). */
function cosineOrder(x: Arrays): number[] {
  const [channels, h, w] = x.shape;
  const cos = Array.from({ length: channels }, (_, c) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = c * h * w; i < (c + 1) * h * w; i++) {
      dot += x.a[i] * x.b[i];
      na += x.a[i] * x.a[i];
      nb += x.b[i] * x.b[i];
    }
    return na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  });
  return cos.map((_, i) => i).sort((p, q) => cos[p] - cos[q] || p - q);
}

/** The RGB at the centre of activation pixel (x, y) of column `k` (A, B, A - B) of row `row`. */
function pixel(s: CompareSnapshot, row: number, k: number, x: number, y: number, h: number, w: number): string {
  const px = k * (s.tileWidth + s.gap) + Math.floor(((x + 0.5) * s.tileWidth) / w);
  const py = row * (s.tileHeight + s.gap) + Math.floor(((y + 0.5) * s.tileHeight) / h);
  const o = (py * s.picture.width + px) * 4;
  return [...s.picture.rgba.subarray(o, o + 3)].join(",");
}

/** The LUT entries a colour can be (a colormap may repeat a colour). */
function entries(lut: Uint8Array): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let k = 0; k < 256; k++) {
    const key = [lut[k * 3], lut[k * 3 + 1], lut[k * 3 + 2]].join(",");
    out.set(key, [...(out.get(key) ?? []), k]);
  }
  return out;
}

/**
 * What a snapshot shows against the exported arrays: the ranges are shared by A and B (and are
 * the channel's or the layer's min..max of both), every A and B pixel is its value's colour in
 * that one range (so one value paints one colour on both sides), every A - B pixel read back
 * through the diverging colormap and the reported ±limit holds a - b, and the rows are the
 * least similar channels in order.
 */
function checkSnapshot(s: CompareSnapshot, x: Arrays, mode: "channel" | "layer"): void {
  const [channels, h, w] = x.shape;
  const size = h * w;
  for (let i = 0; i < x.diff.length; i++) assert.strictEqual(x.diff[i], Math.fround(x.a[i] - x.b[i]), `diff[${i}] is a - b`);
  assert.strictEqual(s.layer, LAYER);
  assert.strictEqual(s.range, mode);
  assert.ok(s.channels.length >= 8, "eight channels or more shown");
  assert.deepStrictEqual(s.channels, cosineOrder(x).slice(0, s.channels.length), "least similar channels first");
  const sides = colormapLut(s.colormap);
  const diffLut = entries(colormapLut(s.diffColormap));
  const both = (c: number, v: Float32Array) => v.subarray(c * size, (c + 1) * size);
  const layerRange = range(new Float32Array([...x.a, ...x.b]));
  let samples = 0;
  s.channels.forEach((c, row) => {
    const shared = mode === "channel" ? range(new Float32Array([...both(c, x.a), ...both(c, x.b)])) : layerRange;
    const limit = mode === "channel" ? maxAbs(both(c, x.diff)) : maxAbs(x.diff);
    assert.deepStrictEqual([s.low[row], s.high[row], s.limit[row]], [shared.low, shared.high, limit], `ranges of channel ${c}`);
    const bytesA = new Uint8Array(size);
    const bytesB = new Uint8Array(size);
    toBytes(both(c, x.a), shared, bytesA);
    toBytes(both(c, x.b), shared, bytesB);
    const colourOfByte = new Map<number, string>();
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const j = y * w + xx;
        const colourA = pixel(s, row, 0, xx, y, h, w);
        const colourB = pixel(s, row, 1, xx, y, h, w);
        const lutColour = (byte: number) => [sides[byte * 3], sides[byte * 3 + 1], sides[byte * 3 + 2]].join(",");
        assert.strictEqual(colourA, lutColour(bytesA[j]), `A pixel (${xx}, ${y}) of channel ${c}`);
        assert.strictEqual(colourB, lutColour(bytesB[j]), `B pixel (${xx}, ${y}) of channel ${c}`);
        // The same value's bin is the same colour on both sides.
        for (const [byte, colour] of [
          [bytesA[j], colourA],
          [bytesB[j], colourB],
        ] as const) {
          const seen = colourOfByte.get(byte);
          if (seen !== undefined) assert.strictEqual(colour, seen, `bin ${byte} has one colour on A and B`);
          colourOfByte.set(byte, colour);
        }
        // A - B from its colour: the bin of [-limit, limit] it paints must hold a - b.
        const ks = diffLut.get(pixel(s, row, 2, xx, y, h, w));
        assert.ok(ks, `A - B pixel (${xx}, ${y}) of channel ${c} is a coolwarm colour`);
        const d = x.a[c * size + j] - x.b[c * size + j];
        const step = (2 * limit) / 256;
        const slack = limit * 1e-6;
        const inBin = ks.some((k) => d >= -limit + k * step - slack && (k === 255 || d <= -limit + (k + 1) * step + slack));
        assert.ok(inBin, `A - B pixel (${xx}, ${y}) of channel ${c}: ${d} is not in bins ${ks.join("/")} of ±${limit}`);
        samples++;
      }
    }
  });
  assert.ok(samples >= 8 * size && channels > 0);
}

describe("Compare Feature Maps", () => {
  let dir = "";
  const configs: vscode.Uri[] = [];
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-compare-"));
  });
  after(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await fs.rm(dir, { recursive: true, force: true });
    for (const c of configs) await fs.rm(c.fsPath, { force: true });
  });

  it("two images (chelsea, grace_hopper) through the model: shared ranges and A - B on the painted pixels, least similar first; PNG export", async () => {
    const fm = await api();
    const panel = fm.compare({ image: workspaceFile("chelsea.png") }, { image: workspaceFile("grace_hopper.jpg") });
    const arrays = await exported(panel, LAYER, dir);
    assert.strictEqual(arrays.shape[0], 512);
    checkSnapshot(await panel.show({ layer: LAYER, range: "channel" }), arrays, "channel");
    checkSnapshot(await panel.show({ range: "layer" }), arrays, "layer");
    const png = path.join(dir, "compare.png");
    assert.strictEqual(await panel.exportPng(LAYER, vscode.Uri.file(png)), png);
    const bytes = await fs.readFile(png);
    const shot = await panel.snapshot();
    assert.deepStrictEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [shot.picture.width, shot.picture.height], "the PNG is the panel as painted");
    panel.panel.dispose();
  });

  it("one image through two weights (.safetensors, seeds 1 and 2): the same checks", async () => {
    const fm = await api();
    const files = [1, 2].map((seed) => path.join(dir, `xai-seed${seed}.safetensors`));
    for (const [i, file] of files.entries()) await fs.writeFile(file, writeSafetensors(await seededStateDict({ kind: "builtin", weights: { seed: i + 1 } })));
    const cat = workspaceFile("chelsea.png");
    const panel = fm.compare({ image: cat, model: vscode.Uri.file(files[0]) }, { image: cat, model: vscode.Uri.file(files[1]) });
    const arrays = await exported(panel, LAYER, dir);
    assert.ok(arrays.diff.some((d) => d !== 0), "two weights give two different layers");
    checkSnapshot(await panel.show({ layer: LAYER, range: "channel" }), arrays, "channel");
    panel.panel.dispose();
  });

  it("explorer: two selected images, or an image and a weights file selected together, open a painting panel; three files are refused", async () => {
    const cat = workspaceFile("chelsea.png");
    const photo = workspaceFile("grace_hopper.jpg");
    const images = await vscode.commands.executeCommand<ComparePanel | undefined>("featureMaps.compare", cat, [cat, photo]);
    assert.ok(images, "a panel for two images");
    assert.deepStrictEqual([images.a.label, images.b.label], ["chelsea.png", "grace_hopper.jpg"]);
    const painted = await images.show({});
    assert.ok(painted.channels.length > 0 && painted.picture.width > 0, "the first layer is painted");
    images.panel.dispose();
    const weights = vscode.Uri.file(path.join(dir, "xai-seed1.safetensors"));
    await fs.writeFile(weights.fsPath, writeSafetensors(await seededStateDict({ kind: "builtin", weights: { seed: 1 } })));
    const model = await vscode.commands.executeCommand<ComparePanel | undefined>("featureMaps.compare", cat, [cat, weights]);
    assert.ok(model, "a panel for an image and weights");
    assert.deepStrictEqual([model.a.label, model.b.label], ["chelsea.png", "chelsea.png · xai-seed1.safetensors"]);
    assert.ok((await model.show({})).channels.length > 0);
    model.panel.dispose();
    assert.strictEqual(await vscode.commands.executeCommand("featureMaps.compare", cat, [cat, photo, cat]), undefined);
  });

  it("a panel's resource names both sides, so a reloaded window can bring it back; a forged one names none", () => {
    const cat = workspaceFile("chelsea.png");
    const weights = vscode.Uri.file(path.join(dir, "w.safetensors"));
    const back = sidesFromResource(sidesResource({ image: cat }, { image: cat, model: weights }));
    assert.deepStrictEqual(
      back?.map((s) => [s.image.toString(), s.model?.toString()]),
      [
        [cat.toString(), undefined],
        [cat.toString(), weights.toString()],
      ],
    );
    for (const forged of [undefined, "", "{", "[]", JSON.stringify({ a: { image: 3 }, b: { image: "x" } }), JSON.stringify({ a: { image: "x" } })]) {
      assert.strictEqual(sidesFromResource(forged), undefined, String(forged));
    }
  });

  it("a config whose maps are larger compares B resized to A's size; one with fewer channels, statistics only", async () => {
    const fm = await api();
    const cat = workspaceFile("chelsea.png");
    const text = await fs.readFile(workspaceFile("xai.featuremaps.json").fsPath, "utf8");
    const larger = workspaceFile(`compare-larger-${process.pid}.featuremaps.json`);
    const narrower = workspaceFile(`compare-narrower-${process.pid}.featuremaps.json`);
    configs.push(larger, narrower);
    await fs.writeFile(larger.fsPath, text.replace('"size": [100, 100]', '"size": [132, 132]'));
    const narrow = text
      .replace('{"type": "conv2d", "in": 3, "out": 64', '{"type": "conv2d", "in": 3, "out": 32')
      .replace('{"type": "batchnorm2d", "features": 64}', '{"type": "batchnorm2d", "features": 32}')
      .replace('{"type": "conv2d", "in": 64, "out": 64', '{"type": "conv2d", "in": 32, "out": 64');
    await fs.writeFile(narrower.fsPath, narrow);

    const resized = fm.compare({ image: cat }, { image: cat, model: larger });
    const shot = await resized.show({ layer: "features.0", range: "channel" });
    assert.strictEqual(resized.lastCompared?.comparable, "resized");
    assert.match(resized.lastCompared?.note ?? "", /A's maps are 98x98 and B's 130x130: B is resized to A's size/);
    assert.ok(shot.channels.length > 0);
    const arrays = await exported(resized, "features.0", dir);
    assert.deepStrictEqual(arrays.shape, [64, 98, 98]);
    for (let i = 0; i < arrays.diff.length; i++) assert.strictEqual(arrays.diff[i], Math.fround(arrays.a[i] - arrays.b[i]));
    resized.panel.dispose();

    const statistics = fm.compare({ image: cat }, { image: cat, model: narrower });
    const none = await statistics.show({ layer: "features.0" });
    assert.strictEqual(statistics.lastCompared?.comparable, "statistics");
    assert.match(statistics.lastCompared?.note ?? "", /A is 64x98x98 and B 32x98x98: their channels do not pair up/);
    assert.deepStrictEqual(none.channels, []);
    statistics.panel.dispose();
  });

  it("bad sides are refused naming the file: a non-image, a file that is no model, a corrupt image", async () => {
    const fm = await api();
    const cat = workspaceFile("chelsea.png");
    assert.throws(() => fm.compare({ image: workspaceFile("xai.featuremaps.json") }, { image: cat }), /xai\.featuremaps\.json is not an image/);
    assert.throws(() => fm.compare({ image: cat }, { image: cat, model: workspaceFile("notes.txt") }), /notes\.txt is not a model config/);
    const panel = fm.compare({ image: workspaceFile("corrupt.png") }, { image: cat });
    const started = Date.now();
    while (panel.lastError === undefined && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    assert.match(panel.lastError ?? "", /corrupt\.png: not a PNG, JPEG, BMP, GIF or TIFF image/);
    panel.panel.dispose();
  });
});
