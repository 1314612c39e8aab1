import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { type ExportedLayer, type ExportedNode, exportedLayers } from "../../../../src/engine/model/pytorchNames";
import { REFERENCE } from "../../../support/paths";

/** A chain of single-input nodes, each reading the one before: enough wiring for most cases. */
function chain(names: readonly string[]): ExportedNode[] {
  return names.map((name, i) => ({ name, inputs: [i === 0 ? "input" : `t${i - 1}`], outputs: [`t${i}`], layer: true }));
}

function idsOf(nodes: readonly ExportedNode[], outputs: readonly string[]): (string[] | undefined)[] {
  return exportedLayers(nodes, new Set(outputs)).map((layers) => layers?.map((l) => l.id));
}

function layerById(nodes: readonly ExportedNode[], outputs: readonly string[]): Map<string, ExportedLayer & { tensor: string }> {
  const all = exportedLayers(nodes, new Set(outputs));
  return new Map(all.flatMap((layers, i) => (layers ?? []).map((l) => [l.id, { ...l, tensor: nodes[i].outputs[0] }] as const)));
}

describe("PyTorch export names", () => {
  it("decodes qualified names from scope segments, numbered children included", () => {
    const nodes = chain(["/features/features.30/Relu", "/layer2/layer2.0/downsample/downsample.0/Conv", "/0/Conv", "/1/1.0/Conv", "/1/1.0/conv/conv.0/Relu"]);
    const ids = layerById(nodes, ["t4"]);
    for (const id of ["features.30", "layer2.0.downsample.0", "0", "1.0", "1.0.conv.0"]) assert.ok(ids.has(id), `${id} in ${[...ids.keys()].join(", ")}`);
    assert.ok(!ids.has("layer2.0.downsample.downsample.0"));
  });

  it("leaves nodes outside any module scope to their tensor names", () => {
    assert.deepEqual(idsOf(chain(["Conv_12", "/Flatten", ""]), ["t2"]), [undefined, undefined, undefined]);
  });

  it("gives a container the output read outside it, and lists it after the module that ends it", () => {
    // A residual block: relu is called twice, the Add reads the block's input.
    const nodes: ExportedNode[] = [
      { name: "/stem/Conv", inputs: ["x"], outputs: ["s"], layer: true },
      { name: "/layer1/layer1.0/conv1/Conv", inputs: ["s"], outputs: ["a"], layer: true },
      { name: "/layer1/layer1.0/relu/Relu", inputs: ["a"], outputs: ["b"], layer: true },
      { name: "/layer1/layer1.0/conv2/Conv", inputs: ["b"], outputs: ["c"], layer: true },
      { name: "/layer1/layer1.0/Add", inputs: ["c", "s"], outputs: ["d"], layer: true },
      { name: "/layer1/layer1.0/relu_1/Relu", inputs: ["d"], outputs: ["e"], layer: true },
      { name: "/head/Conv", inputs: ["e"], outputs: ["y"], layer: true },
    ];
    assert.deepEqual(idsOf(nodes, ["y"]), [
      ["stem"],
      ["layer1.0.conv1"],
      ["layer1.0.relu#1"],
      ["layer1.0.conv2"],
      ["layer1.0/Add"],
      ["layer1.0.relu", "layer1.0", "layer1"],
      ["head"],
    ]);
    const layers = layerById(nodes, ["y"]);
    assert.deepEqual(layers.get("layer1.0.conv1")?.ancestors, ["layer1.0", "layer1"]);
    assert.deepEqual(layers.get("layer1.0.relu#1")?.ancestors, ["layer1.0", "layer1"]);
    assert.deepEqual(layers.get("layer1.0/Add")?.ancestors, ["layer1.0", "layer1"]);
    assert.deepEqual(layers.get("layer1")?.ancestors, []);
    assert.equal(layers.get("layer1.0")?.container, true);
    assert.equal(layers.get("layer1.0.relu")?.container, false);
  });

  it("numbers a leaf's earlier calls, and gives a container called twice its last call", () => {
    const nodes = chain(["/shared/Conv", "/act/Relu", "/shared_1/Conv", "/act_1/Relu", "/mix/mix.0/Conv", "/mix/mix.1/Tanh", "/mix/mix.0_1/Conv", "/mix/mix.1_1/Tanh", "/fc/Gemm"]);
    assert.deepEqual(idsOf(nodes, ["t8"]), [["shared#1"], ["act#1"], ["shared"], ["act"], ["mix.0#1"], ["mix.1#1"], ["mix.0"], ["mix.1", "mix"], ["fc"]]);
  });

  it("keeps a real module named like a repeated call when no module of the base name exists", () => {
    assert.deepEqual(idsOf(chain(["/conv_1/Conv", "/conv_2/Conv"]), ["t1"]), [["conv_1"], ["conv_2"]]);
  });

  it("ends a module at a graph output even when nothing reads it", () => {
    const nodes: ExportedNode[] = [
      { name: "/body/conv/Conv", inputs: ["x"], outputs: ["a"], layer: true },
      { name: "/body/relu/Relu", inputs: ["a"], outputs: ["out"], layer: true },
    ];
    assert.deepEqual(idsOf(nodes, ["out"]), [["body.conv"], ["body.relu", "body"]]);
  });

  it("names no constant or shape op, and ends modules only at layers", () => {
    const nodes: ExportedNode[] = [
      { name: "/a/Conv", inputs: ["x"], outputs: ["c"], layer: true },
      { name: "/a/Constant", inputs: [], outputs: ["k"], layer: false },
      { name: "/Reshape", inputs: ["c", "k"], outputs: ["y"], layer: true },
    ];
    assert.deepEqual(idsOf(nodes, ["y"]), [["a"], undefined, undefined]);
  });

  it("falls back to tensor names for hostile scope names, within a bound", () => {
    const deep = `/${Array.from({ length: 40 }, () => "m").join("/")}/Conv`;
    const long = `/${"x".repeat(2000)}/Conv`;
    assert.deepEqual(idsOf(chain([deep, long]), []), [undefined, undefined]);
    // Many distinct scopes near both limits: named or refused, quickly.
    const many = Array.from({ length: 20000 }, (_, i) => `/${Array.from({ length: 31 }, (_, k) => `s${k}x${i}`).join("/")}/Conv`);
    const started = Date.now();
    exportedLayers(chain(many), new Set());
    assert.ok(Date.now() - started < 10000, `${Date.now() - started} ms`);
  });
});

interface GraphJson {
  nodes: { name: string; op: string; inputs: string[]; outputs: string[] }[];
  outputs: string[];
  modules: { name: string; class: string; inExport: boolean }[];
}

describe("torchvision resnet18's export (its node names, from test/reference/torch-export/nested)", () => {
  it("names every module the export kept as named_modules() does, stages and blocks included", async () => {
    const graph = JSON.parse(await fs.readFile(path.join(REFERENCE, "torch-export", "nested", "resnet18-graph.json"), "utf8")) as GraphJson;
    const nodes = graph.nodes.map((n) => ({ name: n.name, inputs: n.inputs, outputs: n.outputs, layer: !["Constant", "Identity", "Shape"].includes(n.op) }));
    const layers = layerById(nodes, graph.outputs);
    const modules = new Set(graph.modules.map((m) => m.name));
    const moduleIds = [...layers.keys()].filter((id) => !id.includes("/") && !id.includes("#"));
    assert.deepEqual(moduleIds.filter((id) => !modules.has(id)), [], "ids that are no module");
    const kept = graph.modules.filter((m) => m.inExport).map((m) => m.name);
    assert.deepEqual(kept.filter((m) => !layers.has(m)), [], "kept modules without an id");
    // The cases.
    assert.equal(layers.get("layer2.0.downsample.0")?.tensor, "/layer2/layer2.0/downsample/downsample.0/Conv_output_0");
    assert.equal(layers.get("layer1.0")?.tensor, "/layer1/layer1.0/relu_1/Relu_output_0");
    assert.equal(layers.get("layer1")?.tensor, "/layer1/layer1.1/relu_1/Relu_output_0");
    assert.equal(layers.get("layer1.0.relu#1")?.tensor, "/layer1/layer1.0/relu/Relu_output_0");
    assert.equal(layers.get("fc")?.tensor, graph.outputs[0]);
    // BatchNorm is folded into the conv before it: no node, no id.
    assert.ok(!layers.has("layer1.0.bn1"));
  });
});
