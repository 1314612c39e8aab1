import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BUILTIN_MODEL, type ModelSource, prepareModel } from "../../../../src/engine/model/models";
import { readNpy } from "../../../../src/engine/formats/npy";
import { ModelRunner } from "../../../../src/engine/run/inference";
import { GradientSessions } from "../../../../src/engine/explain/gradients";
import { eigenCam, gradCam, gradCamPlusPlus, hiResCam, type Maps } from "../../../../src/engine/explain/cams";
import { referenceInput } from "../../../support/reference";
import { REFERENCE } from "../../../support/paths";
import { resnet18Pth } from "../../../support/pthWriter";

interface CamCase {
  readonly layer: string;
  readonly class: number;
  readonly reduce: "sum" | "mean";
  readonly score: number;
  readonly shape: [number, number, number];
  readonly gradient: { readonly min: number; readonly max: number; readonly first: number[] };
  readonly gradcam: number[];
  readonly hirescam: number[];
  readonly "gradcam++": number[];
}

interface CamReference {
  readonly cases: CamCase[];
  readonly eigencam: Record<string, number[]>;
}

/** Each value within `relative` of `scale` (default: the reference's largest magnitude), plus 1e-7 for an all-zero map. */
function assertClose(actual: ArrayLike<number>, expected: readonly number[], relative: number, what: string, scale = Math.max(...expected.map(Math.abs))): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const bound = relative * scale + 1e-7;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= bound, `${what}: max error ${worst.toExponential(2)} > ${bound.toExponential(2)} (scale ${scale.toExponential(2)})`);
}

interface Subject {
  readonly name: string;
  readonly reference: string;
  readonly model: ModelSource | (() => Promise<ModelSource>);
  readonly input: () => Promise<Float32Array>;
  readonly size: number;
}

// The built-in model (Conv, BatchNormalization, Relu, Dropout, MaxPool, Reshape, Gemm,
// LogSoftmax) and a PyTorch export whose head holds the other ops the backward graph knows
// (scripts/make_cam_tiny.py), against PyTorch autograd on the same weights and input.
const SUBJECTS: readonly Subject[] = [
  { name: "the built-in model", reference: "xai-seed0.json", model: BUILTIN_MODEL, input: referenceInput, size: 100 },
  {
    name: "a PyTorch export",
    reference: "tiny.json",
    model: { kind: "onnx", path: path.join(REFERENCE, "cam", "tiny.onnx") },
    input: async () => readNpy(await fs.readFile(path.join(REFERENCE, "cam", "tiny-input.npy")), "tiny-input.npy").data,
    size: 32,
  },
  {
    name: "torchvision's resnet18 read from a .pth",
    reference: "resnet18.json",
    model: async () => ({ kind: "torchvision", name: "resnet18", weights: { file: await resnet18Pth() } }),
    input: async () => readNpy(await fs.readFile(path.join(REFERENCE, "cam", "resnet18-input.npy")), "resnet18-input.npy").data,
    size: 64,
  },
];

for (const subject of SUBJECTS) {
  describe(`explain: gradients and CAMs of ${subject.name} equal PyTorch's`, () => {
    let runner: ModelRunner;
    let reference: CamReference;
    let input: Float32Array;
    const sessions = new Map<string, GradientSessions>();
    const open = async (layer: string): Promise<GradientSessions> => {
      const s = sessions.get(layer) ?? (await GradientSessions.open(runner, layer, undefined, true));
      sessions.set(layer, s);
      return s;
    };

    before(async () => {
      const source = typeof subject.model === "function" ? await subject.model() : subject.model;
      runner = await ModelRunner.open(await prepareModel(source), { provider: "cpu" });
      reference = JSON.parse(await fs.readFile(path.join(REFERENCE, "cam", subject.reference), "utf8")) as CamReference;
      input = await subject.input();
    });
    after(async () => {
      for (const s of sessions.values()) await s.release();
      await runner.release();
    });

    it("matches every case: score, gradient, Grad-CAM, HiResCAM and Grad-CAM++ within 1e-4 of their magnitude", async () => {
      assert.ok(reference.cases.length >= 8);
      for (const ref of reference.cases) {
        const got = await (await open(ref.layer)).run(input, subject.size, subject.size, () => ref.class, ref.reduce);
        assert.ok(got.gradient);
        const what = `${ref.layer} class ${ref.class} ${ref.reduce}`;
        assert.ok(Math.abs(got.score - ref.score) <= 1e-4 * Math.max(1, Math.abs(ref.score)), `${what}: score ${got.score} vs ${ref.score}`);
        assert.deepEqual(got.gradient.shape, [1, ...ref.shape]);
        const gradientScale = Math.max(Math.abs(ref.gradient.min), Math.abs(ref.gradient.max));
        assert.ok(gradientScale > 0, `${what}: the reference gradient is not all zero`);
        assertClose(got.gradient.data.subarray(0, ref.gradient.first.length), ref.gradient.first, 1e-4, `${what}: gradient`, gradientScale);
        const [channels, height, width] = ref.shape;
        const a: Maps = { channels, height, width, data: got.activation.data };
        const g: Maps = { channels, height, width, data: got.gradient.data };
        assertClose(gradCam(a, g), ref.gradcam, 1e-4, `${what}: Grad-CAM`);
        assertClose(hiResCam(a, g), ref.hirescam, 1e-4, `${what}: HiResCAM`);
        assertClose(gradCamPlusPlus(a, g), ref["gradcam++"], 1e-4, `${what}: Grad-CAM++`);
      }
    });

    it("matches EigenCAM's projection, its sign agreeing with the mean activation", async () => {
      for (const [layer, expected] of Object.entries(reference.eigencam)) {
        const got = await (await open(layer)).run(input, subject.size, subject.size, () => 0, "sum");
        const [, channels, height, width] = got.activation.shape;
        assertClose(eigenCam({ channels, height, width, data: got.activation.data }), expected, 1e-4, `${layer}: EigenCAM`);
      }
    });
  });
}
