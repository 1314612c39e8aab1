import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { FeatureMapsEngine } from "../../../src/engine/engine";
import { BUILTIN_MODEL } from "../../../src/engine/model/models";
import { errorCode } from "../../../src/shared/errors";
import { SAMPLE_IMAGE } from "../../support/paths";

const at = (size: number) => ({ input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL, preprocessing: { height: size, width: size } });

describe("a prefetched analysis", () => {
  // The built-in model's layers at 320x320 take about 370 MB, at 288x288 about 300 MB, at 160x160 about 92 MB.
  const engine = new FeatureMapsEngine({ provider: "cpu", memoryBudgetMB: 512 });
  after(() => engine.dispose());

  it("is refused before running when it would evict the analysis shown, and made when it fits beside it", async () => {
    await engine.analyze(at(320));
    const runs = engine.counts.runs;
    await assert.rejects(engine.analyze(at(288), undefined, { prefetch: true }), (e: unknown) => errorCode(e) === "OUT_OF_BUDGET" && /no room to prefetch/.test((e as Error).message));
    assert.equal(engine.counts.runs, runs, "nothing ran for the refused prefetch");
    assert.equal(engine.counts.analyses, 1);

    await engine.analyze(at(160), undefined, { prefetch: true });
    assert.equal(engine.counts.runs, runs + 1, "the prefetch that fits ran");
    await engine.analyze(at(320));
    await engine.analyze(at(160));
    assert.equal(engine.counts.runs, runs + 1, "both are held: asking for either runs nothing");
  });

  it("of an analysis already held answers from the cache", async () => {
    const runs = engine.counts.runs;
    await engine.analyze(at(320), undefined, { prefetch: true });
    assert.equal(engine.counts.runs, runs);
  });
});
