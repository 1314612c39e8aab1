import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BUILTIN_MODEL, type ModelSource, prepareModel } from "../../../../src/engine/model/models";
import { ModelRunner } from "../../../../src/engine/run/inference";
import { Explainer, type ExplainOptions } from "../../../../src/engine/explain/explainer";
import { readNpy } from "../../../../src/engine/formats/npy";
import { referenceInput } from "../../../support/reference";
import { REFERENCE } from "../../../support/paths";
import { resnet18Pth } from "../../../support/pthWriter";

interface Reference {
  readonly scorecam: { layer: string; class: number; reduce: "sum" | "mean"; topChannels: number | null; map: string }[];
  readonly occlusion: { class: number; reduce: "sum" | "mean"; window: number; stride: number; baseline: number; map: string }[];
}

const DIR = path.join(REFERENCE, "cam");
const OPTIONS: ExplainOptions = { method: "gradcam", reduce: "sum", window: 16, stride: 8, baseline: 0, batch: 16 };

async function npy(name: string): Promise<Float32Array> {
  return readNpy(await fs.readFile(path.join(DIR, name)), name).data;
}

function maxError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; scale: number } {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    error = Math.max(error, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { error, scale };
}

interface Subject {
  readonly name: string;
  readonly reference: string;
  readonly model: ModelSource | (() => Promise<ModelSource>);
  readonly input: () => Promise<Float32Array>;
  readonly size: number;
  /** The untrained built-in model's score moves by ~1e-6 under occlusion, float32 noise: proven on the export. */
  readonly occlusion: boolean;
}

// The built-in model (its batch axis freed for the altered inputs) and a PyTorch export with a
// dynamic batch (scripts/make_cam_tiny.py), against PyTorch on the same weights
// (scripts/make_cam_references.py). Tolerance: 1e-4 of the map's magnitude.
const SUBJECTS: readonly Subject[] = [
  { name: "the built-in model", reference: "xai-seed0.json", model: BUILTIN_MODEL, input: referenceInput, size: 100, occlusion: false },
  {
    name: "a PyTorch export",
    reference: "tiny.json",
    model: { kind: "onnx", path: path.join(DIR, "tiny.onnx") },
    input: () => npy("tiny-input.npy"),
    size: 32,
    occlusion: true,
  },
  {
    name: "torchvision's resnet18 read from a .pth",
    reference: "resnet18.json",
    model: async () => ({ kind: "torchvision", name: "resnet18", weights: { file: await resnet18Pth() } }),
    input: async () => readNpy(await fs.readFile(path.join(REFERENCE, "cam", "resnet18-input.npy")), "resnet18-input.npy").data,
    size: 64,
    occlusion: true,
  },
];

for (const subject of SUBJECTS) {
  describe(`explain: Score-CAM and occlusion of ${subject.name} equal PyTorch's`, () => {
    let runner: ModelRunner;
    let explainer: Explainer;
    let reference: Reference;
    let input: Float32Array;
    const explain = (o: Partial<ExplainOptions>, signal?: AbortSignal): ReturnType<Explainer["explain"]> => explainer.explain(input, subject.size, subject.size, { ...OPTIONS, ...o }, signal);

    before(async () => {
      const source = typeof subject.model === "function" ? await subject.model() : subject.model;
      runner = await ModelRunner.open(await prepareModel(source), { provider: "cpu" });
      explainer = new Explainer(runner);
      reference = JSON.parse(await fs.readFile(path.join(DIR, subject.reference), "utf8")) as Reference;
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

    it("stops at the next batch when cancelled", async () => {
      const controller = new AbortController();
      const run = explain({ method: "occlusion", window: 4, stride: 2, batch: 2, progress: () => controller.abort() }, controller.signal);
      await assert.rejects(run, (e: Error & { code?: string }) => e.code === "CANCELLED");
    });
  });
}
