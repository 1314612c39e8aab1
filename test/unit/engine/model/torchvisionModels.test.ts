import assert from "node:assert/strict";
import { promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { planGraph, pytorchOpName } from "../../../../src/engine/model/architecture";
import { layerKind } from "../../../../src/engine/model/layerKinds";
import { readModelConfig, weightsProblems } from "../../../../src/engine/model/config";
import { prepareModel, seededStateDict } from "../../../../src/engine/model/models";
import { TORCHVISION_MODELS } from "../../../../src/engine/model/torchvision/registry";
import { writeSafetensors } from "../../../../src/engine/formats/safetensors";
import { FeatureMapsError } from "../../../../src/shared/errors";
import { TORCHVISION_ARCHS } from "../../../../src/shared/choices";
import { runCliBounded } from "../../../support/bounded";
import { ROOT, SAMPLE_IMAGE } from "../../../support/paths";

// What surrounds the architectures (their numbers are torchvision.test.ts's): num_classes from a
// checkpoint, ImageNet's names, torchvision's input recipe, configs naming a model.

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-torchvision-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const RESNET18 = { kind: "torchvision", name: "resnet18", weights: { seed: 0 } } as const;

/** resnet18's seed-0 state_dict with a `classes`-way head, as a fine-tuned checkpoint would have. */
async function resnet18File(classes: number, drop?: string): Promise<string> {
  const state = new Map(await seededStateDict(RESNET18));
  state.set("fc.weight", { shape: [classes, 512], data: new Float32Array(classes * 512).fill(0.01) });
  state.set("fc.bias", { shape: [classes], data: new Float32Array(classes) });
  if (drop) state.delete(drop);
  const file = path.join(dir, `resnet18-${classes}-${drop ?? "all"}.safetensors`);
  await fs.writeFile(file, writeSafetensors(state));
  return file;
}

describe("torchvision models by name", () => {
  it("take torchvision's ImageNet input recipe and carry ImageNet's 1000 class names", async () => {
    const model = await prepareModel(RESNET18);
    assert.deepEqual(model.defaults, { height: 224, width: 224, channelOrder: "rgb", scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    assert.equal(model.classNames?.length, 1000);
    assert.equal(model.classNames?.[0], "tench");
    assert.equal(model.classNames?.[281], "tabby");
    assert.equal(model.label, "resnet18 (seed 0)");
    assert.deepEqual(model.outputs, ["fc"]);
  });

  it("name containers and repeated calls: layer1.0 is the block's output, its relu's last call relu, the first relu#1", () => {
    const ids = planGraph(TORCHVISION_MODELS.resnet18.build(1000), 224, 224).map((m) => m.id);
    const block = ids.slice(ids.indexOf("layer1.0.conv1"), ids.indexOf("layer1.0") + 1);
    assert.deepEqual(block, ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu#1", "layer1.0.conv2", "layer1.0.bn2", "layer1.0.add", "layer1.0.relu", "layer1.0"]);
    assert.ok(ids.includes("layer1") && ids.includes("layer2.0.downsample.1") && ids.includes("layer2.0.downsample"));
  });

  it("give every leaf module a layer kind: conv, activation, pool, norm, dropout or linear", () => {
    const kinds = new Set<string>();
    for (const name of TORCHVISION_ARCHS) {
      for (const { spec } of TORCHVISION_MODELS[name].build(1000).nodes) {
        if (["container", "add", "mul", "concat", "flatten"].includes(spec.type)) continue;
        const op = pytorchOpName(spec);
        assert.notEqual(layerKind(op), "other", `${name}: ${op}`);
        kinds.add(layerKind(op));
      }
    }
    assert.deepEqual([...kinds].sort(), ["activation", "conv", "dropout", "linear", "norm", "pool"]);
  });

  it("take num_classes from the checkpoint's classifier and name no classes then", async () => {
    const model = await prepareModel({ kind: "torchvision", name: "resnet18", weights: { file: await resnet18File(10) } });
    assert.deepEqual(model.plan?.(224, 224).at(-1)?.outputShape, [1, 10]);
    assert.equal(model.classNames, undefined);
  });

  it("say which classifier weight a checkpoint lacks, or has in a shape no head has", async () => {
    for (const [file, said] of [
      [await resnet18File(10, "fc.weight"), /fc\.weight, the classifier weight of a torchvision resnet18 state_dict, is missing/],
      [await resnet18File(0), /fc\.weight, the classifier weight of a torchvision resnet18 state_dict, is \[0, 512\]/],
    ] as const) {
      await assert.rejects(prepareModel({ kind: "torchvision", name: "resnet18", weights: { file } }), (e: unknown) => e instanceof FeatureMapsError && e.code === "WEIGHTS_INVALID" && said.test(e.message));
    }
  });

  it("refuse a checkpoint of another architecture, naming the keys", async () => {
    const state = await seededStateDict({ kind: "torchvision", name: "resnet34", weights: { seed: 0 } });
    const file = path.join(dir, "resnet34.safetensors");
    await fs.writeFile(file, writeSafetensors(state));
    await assert.rejects(prepareModel({ kind: "torchvision", name: "resnet18", weights: { file } }), /unexpected layer1\.2\.conv1\.weight/);
  });

  it("refuse a header declaring a four-billion-class head within bounds, before reading or drawing anything", async () => {
    const header = JSON.stringify({ "fc.weight": { dtype: "F32", shape: [4_000_000_000, 512], data_offsets: [0, 8_192_000_000_000] } });
    const bytes = Buffer.alloc(8 + header.length);
    bytes.writeBigUInt64LE(BigInt(header.length));
    bytes.write(header, 8);
    const file = path.join(dir, "huge-head.safetensors");
    await fs.writeFile(file, bytes);
    const run = await runCliBounded(["layers", "--arch", "resnet18", "--weights", file, "--image", SAMPLE_IMAGE], { timeoutMs: 30_000 });
    assert.equal(run.timedOut, false);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\[(WEIGHTS_INVALID|OUT_OF_BUDGET)\]/);
    assert.ok(run.peakMB < 400, `peak ${run.peakMB} MB`);
  });
});

describe("a config naming a torchvision model", () => {
  const file = (): string => path.join(dir, "m.featuremaps.json");
  const read = (model: unknown, extra: Record<string, unknown> = {}) => readModelConfig(JSON.stringify({ model, ...extra }), file());

  it("builds it with the config's input settings over torchvision's", () => {
    const { config, problems } = read({ architecture: { torchvision: "mobilenet_v3_small" } }, { input: { size: [96, 96] } });
    assert.deepEqual(problems, []);
    assert.deepEqual(config?.model, { kind: "torchvision", name: "mobilenet_v3_small", weights: { seed: 0 } });
    assert.deepEqual(config?.preprocessing, { height: 96, width: 96 });
  });

  it("lists the names it takes, as TORCHVISION_ARCHS does", () => {
    const { problems } = read({ architecture: { torchvision: "resnet9000" } });
    assert.ok(problems.some((p) => p.message.includes(`allowed values: ${TORCHVISION_ARCHS.join(", ")}`)), JSON.stringify(problems));
    const schema = JSON.parse(readFileSync(path.join(ROOT, "schemas", "featuremaps.schema.json"), "utf8")) as { definitions: { torchvision: { properties: { torchvision: { enum: string[] } } } } };
    assert.deepEqual(schema.definitions.torchvision.properties.torchvision.enum, [...TORCHVISION_ARCHS]);
  });

  it("says when its input size is too small for the model, on the size", () => {
    const { config, problems } = read({ architecture: { torchvision: "vgg16" } }, { input: { size: [100, 100] } });
    assert.equal(config, undefined);
    assert.deepEqual(problems.map((p) => p.path), [["input", "size"]]);
    assert.match(problems[0].message, /vgg16 at 100x100: avgpool: AdaptiveAvgPool2d\(7\) is supported when the input size \(3x3\) is a multiple of it/);
  });

  it("checks a weights file against it from the file's header", async () => {
    const weights = await resnet18File(10, "layer4.1.bn2.running_var");
    const text = JSON.stringify({ model: { architecture: { torchvision: "resnet18" } }, weights: { safetensors: path.basename(weights) } });
    const { config } = readModelConfig(text, path.join(dir, "w.featuremaps.json"));
    assert.ok(config);
    const problems = await weightsProblems(config);
    assert.deepEqual(problems.map((p) => p.path), [["weights", "safetensors"]]);
    assert.match(problems[0].message, /missing layer4\.1\.bn2\.running_var/);
  });
});
