import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import type { Analysis } from "../../../../src/engine/analysis/analysis";
import { renderGridPng } from "../../../../src/engine/analysis/renderGrid";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { colormapLut, NON_FINITE_RGB } from "../../../../src/shared/colormaps";
import { maskCode, nonFiniteKind } from "../../../../src/shared/nonFinite";
import { toBytes } from "../../../../src/shared/normalize";
import type { LayerRequest } from "../../../../src/shared/protocol";
import { sortedPercentileRange } from "../../../support/sortedPercentiles";
import { MIXED_VALUES, NON_FINITE_SIDE, nonFiniteModel } from "../../../support/tinyOnnx";

// A real ONNX model whose layers divide by zero and take logs of negatives, through the whole engine.
const SIZE = NON_FINITE_SIDE * NON_FINITE_SIDE;
/** -1, -0.5, 0, 0.5, 1 over and over: x / 0 gives -Inf, -Inf, NaN, +Inf, +Inf. */
const INPUT = Float32Array.from({ length: 3 * SIZE }, (_, i) => ((i % 5) - 2) * 0.5);

let dir: string;
let analysis: Analysis;
const engine = new FeatureMapsEngine({ provider: "cpu" });

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-nonfinite-"));
  const file = path.join(dir, "nonfinite.onnx");
  await fs.writeFile(file, nonFiniteModel());
  analysis = await engine.analyze({ input: { tensor: INPUT, height: NON_FINITE_SIDE, width: NON_FINITE_SIDE, label: "t" }, model: { kind: "onnx", path: file } });
});
after(async () => {
  engine.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

function request(layer: string, normalize: LayerRequest["normalize"], clipPercent = 0): LayerRequest {
  return { layer, start: 0, count: 4, order: "index", normalize, clipPercent };
}

function finite(values: Float32Array): Float32Array {
  return values.filter(Number.isFinite);
}

describe("a model whose layers hold NaN and infinities, through FeatureMapsEngine", () => {
  it("runs to the expected values: x / 0, log x, and the constant layer", async () => {
    assert.deepEqual(
      analysis.model.layers.map((l) => l.id),
      ["ratio/Div", "log/Log", "zero", "mixed"],
    );
    assert.deepEqual([...(await analysis.activation("ratio/Div")).data].map((v) => nonFiniteKind(v)), [...INPUT].map((x) => (x > 0 ? "posInf" : x < 0 ? "negInf" : "nan")));
    assert.deepEqual((await analysis.activation("mixed")).data, MIXED_VALUES);
  });

  it("counts every kind exactly and keeps the statistics defined when nothing is finite", async () => {
    const ratio = (await analysis.summary("ratio/Div")).layer;
    const count = (test: (x: number) => boolean): number => INPUT.filter(test).length;
    assert.deepEqual(ratio.nonFinite, { nan: count((x) => x === 0), posInf: count((x) => x > 0), negInf: count((x) => x < 0) });
    assert.deepEqual({ ...ratio, nonFinite: undefined }, { min: 0, max: 0, mean: 0, std: 0, zeros: 0, finite: 0, nonFinite: undefined, channels: 3, deadChannels: 0 });
    const mixed = await analysis.summary("mixed");
    assert.deepEqual(mixed.layer.nonFinite, { nan: 2 + SIZE, posInf: 2, negInf: 1 + SIZE / 2 });
    assert.equal(mixed.layer.finite, SIZE + (SIZE - 5) + SIZE / 2);
    assert.deepEqual([mixed.layer.min, mixed.layer.max], [-1000, 1000]);
    assert.equal(mixed.layer.deadChannels, 1, "channel 3: -Inf and values <= 0");
  });

  it("scales every normalisation to the finite values: the global range is theirs over all layers", async () => {
    const all = await Promise.all(analysis.model.layers.map(async (l) => (await analysis.activation(l.id)).data));
    for (const clip of [0, 1, 5]) {
      const expected = sortedPercentileRange(all, clip);
      const reply = await analysis.layer(request("mixed", "global", clip));
      for (let i = 0; i < 4; i++) {
        assert.equal(reply.low[i], Math.fround(expected.low), `global low, clip ${clip}`);
        assert.equal(reply.high[i], Math.fround(expected.high), `global high, clip ${clip}`);
      }
    }
    const mixedGlobal = await analysis.layer(request("mixed", "global"));
    assert.deepEqual([mixedGlobal.low[0], mixedGlobal.high[0]], [-1000, 1000]);
    const log = await analysis.layer(request("log/Log", "channel"));
    for (let c = 0; c < 3; c++) {
      const values = finite((await analysis.activation("log/Log")).data.subarray(c * SIZE, (c + 1) * SIZE));
      assert.deepEqual([log.low[c], log.high[c]], [Math.min(...values), Math.max(...values)], `log channel ${c}`);
    }
  });

  it("sends the mask of exactly the non-finite pixels, tiles not all black, and no mask for a layer without them", async () => {
    const reply = await analysis.layer(request("mixed", "global"));
    assert.deepEqual(reply.nonFinite, Uint8Array.from(MIXED_VALUES, (v) => maskCode(nonFiniteKind(v))));
    const expected = new Uint8Array(MIXED_VALUES.length);
    toBytes(MIXED_VALUES, { low: -1000, high: 1000 }, expected);
    MIXED_VALUES.forEach((v, i) => {
      if (Number.isFinite(v)) assert.equal(reply.tiles[i], expected[i], `byte ${i}`);
    });
    assert.ok(reply.tiles.subarray(0, SIZE).some((b) => b > 128), "channel 0 reaches the upper half of the colormap");
    assert.ok(!("nonFinite" in (await analysis.layer(request("zero", "global")))));
  });

  it("answers a hovered channel with its raw NaN and infinities and their counts", async () => {
    const channel = await analysis.channel("mixed", 1);
    assert.ok(Number.isNaN(channel.values[5]) && channel.values[10] === Infinity && channel.values[20] === -Infinity);
    assert.deepEqual(channel.stats.nonFinite, { nan: 2, posInf: 2, negInf: 1 });
    const all = (await analysis.channel("mixed", 2)).stats;
    assert.deepEqual([all.finite, all.min, all.max, all.mean, all.std, all.nonFinite.nan], [0, 0, 0, 0, 0, SIZE]);
  });

  it("render: the PNG paints NaN and infinities in their fixed colours, finite values through the colormap", async () => {
    const reply = await analysis.layer(request("mixed", "global"));
    const image = await Jimp.fromBuffer(Buffer.from(await renderGridPng(reply, { rows: 2, columns: 2 }, "gray")));
    // 8x8 maps upscaled 25x, 4px gaps.
    const factor = 25;
    const pitch = NON_FINITE_SIDE * factor + 4;
    const lut = colormapLut("gray");
    const d = image.bitmap.data;
    MIXED_VALUES.forEach((v, i) => {
      const tile = Math.floor(i / SIZE);
      const p = i % SIZE;
      const x = (tile % 2) * pitch + (p % NON_FINITE_SIDE) * factor + 12;
      const y = Math.floor(tile / 2) * pitch + Math.floor(p / NON_FINITE_SIDE) * factor + 12;
      const o = (y * image.width + x) * 4;
      const kind = nonFiniteKind(v);
      const rgb = kind ? NON_FINITE_RGB[kind] : lut.subarray(reply.tiles[i] * 3, reply.tiles[i] * 3 + 3);
      assert.deepEqual([d[o], d[o + 1], d[o + 2]], [...rgb], `tile ${tile} pixel ${p} (${v})`);
    });
  });
});
