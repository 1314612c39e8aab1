import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ModelRunner } from "../../../../src/engine/run/inference";
import { Explainer, type ExplainOptions } from "../../../../src/engine/explain/explainer";
import { CAM_SUBJECTS, camArray as npy, camReference, openSubject } from "../../../support/camSubjects";

interface Reference {
  readonly scorecam: { layer: string; class: number; reduce: "sum" | "mean"; topChannels: number | null; map: string }[];
  readonly occlusion: { class: number; reduce: "sum" | "mean"; window: number; stride: number; baseline: number; map: string }[];
}

const OPTIONS: ExplainOptions = { method: "gradcam", reduce: "sum", window: 16, stride: 8, baseline: 0, batch: 16 };


function maxError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; scale: number } {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    error = Math.max(error, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { error, scale };
}

for (const subject of CAM_SUBJECTS) {
  describe(`explain: Score-CAM and occlusion of ${subject.name} equal PyTorch's`, () => {
    let runner: ModelRunner;
    let explainer: Explainer;
    let reference: Reference;
    let input: Float32Array;
    const explain = (o: Partial<ExplainOptions>, signal?: AbortSignal): ReturnType<Explainer["explain"]> => explainer.explain(input, subject.size, subject.size, { ...OPTIONS, ...o }, signal);

    before(async () => {
      runner = await openSubject(subject);
      explainer = new Explainer(runner);
      reference = await camReference<Reference>(subject.reference);
      input = await subject.input();
    });
    after(async () => {
      await explainer.release();
      await runner.release();
    });

    it("Score-CAM, all channels or the top k by mean activation", async () => {
      assert.ok(reference.scorecam.length >= 2);
      for (const ref of reference.scorecam) {
        const topChannels = ref.topChannels ?? undefined;
        const got = await explain({ method: "scorecam", layer: ref.layer, classIndex: ref.class, reduce: ref.reduce, ...(topChannels ? { topChannels } : {}) });
        const { error, scale } = maxError(got.map, await npy(ref.map));
        assert.ok(scale > 0 && error <= 1e-4 * scale, `${ref.layer} ${ref.reduce} top ${ref.topChannels}: max error ${error} of ${scale}`);
      }
    });

    if (subject.occlusion) it("occlusion, averaged where windows overlap, at the input's size", async () => {
      assert.ok(reference.occlusion.length >= 2);
      for (const ref of reference.occlusion) {
        let calls = 0;
        const got = await explain({ method: "occlusion", classIndex: ref.class, reduce: ref.reduce, window: ref.window, stride: ref.stride, baseline: ref.baseline, progress: () => calls++ });
        assert.deepEqual([got.height, got.width], [subject.size, subject.size]);
        const { error, scale } = maxError(got.map, await npy(ref.map));
        assert.ok(scale > 0 && error <= 1e-4 * scale, `occlusion class ${ref.class}: max error ${error} of ${scale}`);
        assert.ok(calls >= 2, "progress is reported per batch");
      }
    });

    it("defaults to the top-1 class and lists the top classes with softmax probabilities", async () => {
      const got = await explain({ method: "eigencam", layer: reference.scorecam[0].layer });
      assert.equal(got.classIndex, got.top[0].index);
      assert.ok(got.top.every((c, i) => i === 0 || got.top[i - 1].score >= c.score));
      assert.ok(got.top.reduce((s, c) => s + c.probability, 0) <= 1 + 1e-9);
    });

    it("explains one layer after another, each from its own sessions, the same map again after going back", async () => {
      const layer = reference.scorecam[0].layer;
      const first = await explain({ method: "eigencam", layer });
      for (const other of new Set(reference.scorecam.map((r) => r.layer))) await explain({ method: "eigencam", layer: other });
      await explain({ method: "occlusion", window: 8, stride: 8 });
      assert.deepEqual((await explain({ method: "eigencam", layer })).map, first.map);
    });

    it("stops at the next batch when cancelled", async () => {
      const controller = new AbortController();
      const run = explain({ method: "occlusion", window: 4, stride: 2, batch: 2, progress: () => controller.abort() }, controller.signal);
      await assert.rejects(run, (e: Error & { code?: string }) => e.code === "CANCELLED");
    });
  });
}
