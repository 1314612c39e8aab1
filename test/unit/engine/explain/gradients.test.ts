import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ModelRunner } from "../../../../src/engine/run/inference";
import { GradientSessions } from "../../../../src/engine/explain/gradients";
import { eigenCam, gradCam, gradCamPlusPlus, hiResCam, type Maps } from "../../../../src/engine/explain/cams";
import { CAM_SUBJECTS, camReference, openSubject } from "../../../support/camSubjects";

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

for (const subject of CAM_SUBJECTS) {
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
      runner = await openSubject(subject);
      reference = await camReference<CamReference>(subject.reference);
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
