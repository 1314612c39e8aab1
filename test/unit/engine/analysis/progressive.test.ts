import assert from "node:assert/strict";
import * as path from "path";
import { after, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import type { LayerRequest } from "../../../../src/shared/protocol";
import { FIXTURES, SAMPLE_IMAGE } from "../../../support/paths";

const GRACE = path.join(FIXTURES, "images", "grace_hopper.jpg");
const ASTRONAUT = path.join(FIXTURES, "images", "astronaut.png");
const of = (image: string) => ({ input: { image }, model: BUILTIN_MODEL });
const tiles = (layer: string, normalize: LayerRequest["normalize"] = "channel"): LayerRequest => ({ layer, start: 0, count: 16, order: "index", normalize, clipPercent: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; !test(); await sleep(10)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe("an analysis ready once the layer on screen is", () => {
  const engine = new FeatureMapsEngine({ provider: "cpu" });
  /** Plain analyses, every layer from one run: what the progressive ones must equal. */
  const reference = new FeatureMapsEngine({ provider: "cpu" });
  after(() => {
    engine.dispose();
    reference.dispose();
  });

  it("runs only the cut graph once it is open, then the whole model in the background", async () => {
    const runner = await engine.open(BUILTIN_MODEL);
    let runs = engine.counts.runs;
    await engine.analyze(of(SAMPLE_IMAGE), undefined, { first: { layer: "features.10" } });
    assert.equal(engine.counts.runs, runs + 1, "the first image of a layer is one whole run");
    await until(() => runner.isCut("features.10"), "the cut graph of features.10 to open");

    runs = engine.counts.runs;
    const analysis = await engine.analyze(of(GRACE), undefined, { first: { layer: "features.10" } });
    assert.equal(engine.counts.runs, runs + 1, "one run, of the cut graph, before the analysis is ready");
    const expected = await reference.analyze(of(GRACE));
    const [got, want] = await Promise.all([analysis.activation("features.10"), expected.activation("features.10")]);
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(got.data, want.data, "the cut graph gives the whole model's values");
    assert.deepEqual(await analysis.layer(tiles("features.10")), await expected.layer(tiles("features.10")));
    await until(() => engine.counts.runs === runs + 2, "the whole run in the background");
    for (const layer of ["features.0", "features.49"]) {
      assert.deepEqual((await analysis.activation(layer)).data, (await expected.activation(layer)).data, layer);
    }
    assert.strictEqual(await analysis.activation("features.10"), got, "the layer shown first is held once: the cut run's values, not a second copy");
    await sleep(400);
    assert.equal(engine.counts.runs, runs + 2, "nothing runs again once every layer is held");
  });

  it("runs the whole model at once when another layer, or every layer's range, is asked for", async () => {
    for (const ask of ["another layer", "global range"]) {
      const image = ask === "another layer" ? ASTRONAUT : GRACE;
      const preprocessing = ask === "another layer" ? {} : { height: 96, width: 96 };
      const request = { ...of(image), preprocessing };
      const runs = engine.counts.runs;
      const analysis = await engine.analyze(request, undefined, { first: { layer: "features.10" } });
      const expected = await reference.analyze(request);
      const wanted = ask === "another layer" ? tiles("features.20") : tiles("features.10", "global");
      assert.deepEqual(await analysis.layer(wanted), await expected.layer(wanted), ask);
      assert.equal(engine.counts.runs, runs + 2, `${ask}: the cut graph, then the whole model once`);
      await sleep(400);
      assert.equal(engine.counts.runs, runs + 2, `${ask}: the background start finds the whole run made`);
    }
  });

  it("is not used for the model's output, nor without a view's first layer", async () => {
    const runner = await engine.open(BUILTIN_MODEL);
    const output = (await engine.analyze(of(SAMPLE_IMAGE))).model.layers.find((l) => l.kind === "output");
    assert.ok(output, "the built-in model lists its output");
    for (const [size, first] of [[64, { layer: output.id }], [72, undefined]] as const) {
      const runs = engine.counts.runs;
      await engine.analyze({ ...of(GRACE), preprocessing: { height: size, width: size } }, undefined, { first });
      await sleep(400);
      assert.equal(engine.counts.runs, runs + 1, `${first ? "the output first" : "no first layer"}: one whole run, nothing after`);
    }
    assert.equal(runner.isCut(output.id), false, "the output's cut graph is the whole graph: not opened");
  });
});
