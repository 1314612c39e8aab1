import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { onnx } from "onnx-proto";
import { prepareModel } from "../../../../src/engine/model/models";
import { ModelRunner } from "../../../../src/engine/run/inference";
import { Explainer, type ExplainOptions } from "../../../../src/engine/explain/explainer";
import { readNpy } from "../../../../src/engine/formats/npy";
import { REFERENCE } from "../../../support/paths";

const OPTIONS: ExplainOptions = { method: "gradcam", reduce: "sum", window: 8, stride: 4, baseline: 0, batch: 4, layer: "/mix/Conv_output_0" };

// The PyTorch export of scripts/make_cam_tiny.py with its last op swapped for one the backward
// graph does not know (Hardmax): gradient methods say which op and node stop them; the others run.
describe("explain: an op without a gradient in the head", () => {
  let dir: string;
  let runner: ModelRunner;
  let explainer: Explainer;
  let input: Float32Array;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-unsupported-"));
    const model = onnx.ModelProto.decode(await fs.readFile(path.join(REFERENCE, "cam", "tiny.onnx")));
    const last = model.graph?.node?.at(-1);
    assert.equal(last?.opType, "Softmax");
    if (last) last.opType = "Hardmax";
    const file = path.join(dir, "hardmax.onnx");
    await fs.writeFile(file, onnx.ModelProto.encode(model).finish());
    runner = await ModelRunner.open(await prepareModel({ kind: "onnx", path: file }), { provider: "cpu" });
    explainer = new Explainer(runner);
    input = readNpy(await fs.readFile(path.join(REFERENCE, "cam", "tiny-input.npy")), "tiny-input.npy").data;
  });
  after(async () => {
    await explainer.release();
    await runner.release();
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const method of ["gradcam", "hirescam", "gradcam++"] as const) {
    it(`${method} names the op and its node`, async () => {
      await assert.rejects(explainer.explain(input, 32, 32, { ...OPTIONS, method }), (e: Error & { code?: string }) => {
        assert.equal(e.code, "OP_UNSUPPORTED");
        assert.match(e.message, /hardmax\.onnx: the Hardmax node "\/Softmax" has no gradient here/);
        assert.match(e.message, /EigenCAM, Score-CAM and occlusion need none/);
        return true;
      });
    });
  }

  it("EigenCAM, Score-CAM and occlusion still run", async () => {
    for (const method of ["eigencam", "scorecam", "occlusion"] as const) {
      const got = await explainer.explain(input, 32, 32, { ...OPTIONS, method, ...(method === "occlusion" ? { layer: undefined } : {}) });
      assert.equal(got.map.length, got.height * got.width, method);
      // A one-hot score seldom moves under a small occlusion, so only the CAMs must be non-zero.
      if (method !== "occlusion") assert.ok(got.map.some((v) => v !== 0), method);
    }
  });
});
