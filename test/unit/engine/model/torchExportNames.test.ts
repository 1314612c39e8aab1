import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import type { Analysis } from "../../../../src/engine/analysis/analysis";
import { FeatureMapsEngine } from "../../../../src/engine/engine";
import { readNpy } from "../../../../src/engine/formats/npy";
import type { ModelSource } from "../../../../src/engine/model/models";
import { REFERENCE } from "../../../support/paths";

// A small net of torchvision blocks exported by torch.onnx.export, against what each named
// module's forward hook saw (scripts/make_export_fixtures.py).
const DIR = path.join(REFERENCE, "torch-export", "nested");
const MODEL: ModelSource = { kind: "onnx", path: path.join(DIR, "tiny-resnet.onnx") };

interface Call {
  shape: number[];
  offset: number;
}
interface ModuleRef {
  name: string;
  class: string;
  container: boolean;
  inExport: boolean;
  calls: Call[];
  foldedInto?: string;
}
interface Fixture {
  input: Call;
  modules: ModuleRef[];
}

const engine = new FeatureMapsEngine({ provider: "cpu", threads: 1 });
let fixture: Fixture;
let values: Float32Array;
let analysis: Analysis;

function slice(call: Call): Float32Array {
  return values.subarray(call.offset, call.offset + call.shape.reduce((a, b) => a * b, 1));
}

before(async () => {
  fixture = JSON.parse(await fs.readFile(path.join(DIR, "tiny-resnet.json"), "utf8")) as Fixture;
  values = readNpy(await fs.readFile(path.join(DIR, "tiny-resnet.npy")), "tiny-resnet.npy").data;
  const [, , height, width] = fixture.input.shape;
  analysis = await engine.analyze({ input: { tensor: slice(fixture.input), height, width, label: "fixture input" }, model: MODEL });
});
after(() => engine.dispose());

/** Which module and call a layer id stands for: `relu#1` is the first call of `relu`, `relu` its last. */
function callOf(id: string): { module: ModuleRef; call: number } | undefined {
  const [name, number] = id.split("#");
  const module = fixture.modules.find((m) => m.name === name);
  if (!module) return undefined;
  return { module, call: number === undefined ? module.calls.length - 1 : Number(number) - 1 };
}

describe("layer ids of a PyTorch export of nested modules", () => {
  it("are named_modules() names, containers included, for every module the export kept", () => {
    const ids = analysis.model.layers.map((l) => l.id);
    const moduleIds = ids.filter((id) => !id.includes("/"));
    assert.deepEqual(moduleIds.filter((id) => !callOf(id)), [], "ids that name no module");
    const expected = fixture.modules.filter((m) => m.inExport && (m.calls[0].shape.length === 4 || m.name === "fc"));
    assert.deepEqual(expected.filter((m) => !ids.includes(m.name)).map((m) => m.name), [], "modules without a layer");
    for (const id of ["layer2.0.downsample.0", "layer2.0.downsample", "layer1.0", "layer1", "head.1.0", "mix", "mix.0#1", "shared#1", "layer2.0.relu#2"]) assert.ok(ids.includes(id), id);
    // Folded BatchNorm has no node of its own.
    assert.ok(!ids.includes("layer1.0.bn1"));
    // Ops of a module outside any child keep the module/Op form.
    assert.ok(ids.includes("layer1.0/Add"));
  });

  it("show containers as modules inside their parents", () => {
    const byId = new Map(analysis.model.layers.map((l) => [l.id, l]));
    assert.equal(byId.get("layer1")?.op, "module");
    assert.equal(byId.get("layer1.0.conv1")?.op, "Conv");
    assert.equal(byId.get("layer1.0.conv1")?.parent, "layer1.0");
    assert.equal(byId.get("layer1.0")?.parent, "layer1");
    assert.equal(byId.get("layer1")?.parent, undefined);
    assert.equal(byId.get("head.1.0.0")?.parent, "head.1.0");
    assert.equal(byId.get("layer1.0/Add")?.parent, "layer1.0");
  });

  it("hold what each module's forward hook saw (a folded conv: its BatchNorm's output)", async () => {
    let compared = 0;
    for (const layer of analysis.model.layers) {
      const target = callOf(layer.id);
      if (!target) continue;
      const { module, call } = target;
      const ref = module.foldedInto ? fixture.modules.find((m) => m.name === module.foldedInto)?.calls[call] : module.calls[call];
      assert.ok(ref, `${layer.id}: no reference call`);
      const ours = await analysis.activation(layer.id);
      assert.deepEqual(ours.shape, ref.shape, layer.id);
      const expected = slice(ref);
      const magnitude = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(ours.data[i] - expected[i]));
      assert.ok(worst <= 1e-4 && worst <= 1e-5 * Math.max(magnitude, 1), `${layer.id}: differs by ${worst} (magnitude ${magnitude})`);
      compared++;
    }
    assert.ok(compared >= 40, `compared ${compared} layers`);
  });

  it("take the ONNX tensor name for a layer's id, and refuse unknown ids before any run", async () => {
    assert.equal(analysis.layerId("/layer1/layer1.0/Add_output_0"), "layer1.0/Add");
    assert.equal(analysis.layerId("/layer1/layer1.0/relu_1/Relu_output_0"), "layer1.0.relu");
    assert.equal(await engine.layerId(MODEL, "/layer2/layer2.0/downsample/downsample.0/Conv_output_0"), "layer2.0.downsample.0");
    const runs = engine.counts.runs;
    await assert.rejects(engine.layerId(MODEL, "layer2.0.downsample.downsample.0"), (e: Error) => /did you mean layer2\.0\.downsample\.0/.test(e.message) && (e as { code?: string }).code === "LAYER_UNKNOWN");
    await assert.rejects(engine.layerId(MODEL, "/Flatten_output_0"), /2-D float32 tensor, not a feature map/);
    assert.equal(engine.counts.runs, runs, "a run happened");
  });

  it("count a container's tensor once against the memory budget (it is its last module's)", async () => {
    const bytes = (shape: readonly number[]): number => 4 * shape.reduce((a, b) => a * b, 1);
    const unique = new Map(analysis.model.layers.map((l) => [l.tensor ?? l.id, bytes(l.shape)]));
    const held = [...unique.values()].reduce((a, b) => a + b, bytes(fixture.input.shape));
    const listed = analysis.model.layers.reduce((a, l) => a + bytes(l.shape), bytes(fixture.input.shape));
    assert.ok(listed > held + 1024, "the fixture has containers sharing tensors");
    const tight = new FeatureMapsEngine({ provider: "cpu", threads: 1, memoryBudgetMB: (held + 256) / 2 ** 20 });
    try {
      const [, , height, width] = fixture.input.shape;
      const a = await tight.analyze({ input: { tensor: slice(fixture.input), height, width, label: "fixture input" }, model: MODEL });
      assert.equal(a.model.keeps, "all");
    } finally {
      tight.dispose();
    }
  });
});
