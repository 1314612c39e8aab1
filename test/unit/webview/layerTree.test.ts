import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LayerInfo } from "../../../src/shared/protocol";
import { restoreState } from "../../../webview-ui/state";
import { ancestorsOf, isTree, rowLabel, treeKey, treeRows, visibleRows } from "../../../webview-ui/layers/layerTree";

const layer = (id: string, parent?: string): LayerInfo => ({ id, name: id, op: "Conv", kind: "conv", shape: [1, 2, 3, 3], ...(parent ? { parent } : {}) });

// Graph order, as the engine lists an export: a module after the layers inside it.
const RESNET = [
  layer("conv1"),
  layer("layer1.0.conv1", "layer1.0"),
  layer("layer1.0.relu#1", "layer1.0"),
  layer("layer1.0/Add", "layer1.0"),
  layer("layer1.0.relu", "layer1.0"),
  layer("layer1.0", "layer1"),
  layer("layer1.1.conv1", "layer1.1"),
  layer("layer1.1", "layer1"),
  // A top-level op that runs before layer1's own output: layer1 still shows above it.
  layer("/Mul_output_0"),
  layer("layer1"),
  layer("fc"),
];

const shown = (rows: { layer: LayerInfo; depth: number }[]): string[] => rows.map((r) => `${"  ".repeat(r.depth)}${r.layer.id}`);

describe("the layer list's module tree", () => {
  it("puts each module before the layers inside it, where its first layer runs", () => {
    const rows = treeRows(RESNET);
    assert.ok(isTree(rows));
    assert.deepEqual(shown(rows), ["conv1", "layer1", "  layer1.0", "    layer1.0.conv1", "    layer1.0.relu#1", "    layer1.0/Add", "    layer1.0.relu", "  layer1.1", "    layer1.1.conv1", "/Mul_output_0", "fc"]);
    assert.deepEqual(ancestorsOf(rows, "layer1.0.conv1"), ["layer1.0", "layer1"]);
    // Rows read as in the Explorer: the name inside the module above.
    assert.deepEqual(rows.map(rowLabel), ["conv1", "layer1", "layer1.0", "conv1", "relu#1", "Add", "relu", "layer1.1", "conv1", "/Mul_output_0", "fc"]);
  });

  it("labels numbered modules from their last named atom", () => {
    const rows = treeRows([layer("a.0.downsample.0", "a.0.downsample"), layer("a.0.downsample", "a.0"), layer("a.0.mix.0#1", "a.0"), layer("a.0", "a"), layer("a")]);
    assert.deepEqual(rows.map(rowLabel), ["a", "a.0", "downsample", "downsample.0", "mix.0#1"]);
  });

  it("keeps a flat model a flat list in its own order", () => {
    const flat = ["features.0", "features.1", "classifier.0"].map((id) => layer(id));
    const rows = treeRows(flat);
    assert.ok(!isTree(rows));
    assert.deepEqual(shown(rows), ["features.0", "features.1", "classifier.0"]);
  });

  it("hides what collapsed modules hold, and shows matches with their modules under a filter", () => {
    const rows = treeRows(RESNET);
    assert.deepEqual(shown(visibleRows(rows, new Set(["layer1.0"]))), ["conv1", "layer1", "  layer1.0", "  layer1.1", "    layer1.1.conv1", "/Mul_output_0", "fc"]);
    assert.deepEqual(shown(visibleRows(rows, new Set(["layer1", "layer1.0"]))), ["conv1", "layer1", "/Mul_output_0", "fc"]);
    assert.deepEqual(shown(visibleRows(rows, new Set(["layer1"]), (l) => l.id.endsWith("Add"))), ["layer1", "  layer1.0", "    layer1.0/Add"]);
  });

  it("moves like a VS Code tree: Right expands then enters, Left collapses then goes up", () => {
    const rows = treeRows(RESNET);
    const collapsed = new Set(["layer1"]);
    let visible = visibleRows(rows, collapsed);
    const at = (id: string): number => visible.findIndex((r) => r.layer.id === id);
    assert.deepEqual(treeKey("ArrowRight", visible, at("layer1"), collapsed, 10), { expand: "layer1" });
    collapsed.delete("layer1");
    visible = visibleRows(rows, collapsed);
    assert.deepEqual(treeKey("ArrowRight", visible, at("layer1"), collapsed, 10), { select: at("layer1.0") });
    assert.deepEqual(treeKey("ArrowLeft", visible, at("layer1.0.relu"), collapsed, 10), { select: at("layer1.0") });
    assert.deepEqual(treeKey("ArrowLeft", visible, at("layer1.0"), collapsed, 10), { collapse: "layer1.0" });
    assert.equal(treeKey("ArrowLeft", visible, at("conv1"), collapsed, 10), undefined);
    assert.equal(treeKey("ArrowRight", visible, at("conv1"), collapsed, 10), undefined);
    assert.deepEqual(treeKey("ArrowDown", visible, at("fc"), collapsed, 10), { select: at("fc") });
    assert.deepEqual(treeKey("ArrowUp", visible, 0, collapsed, 10), { select: 0 });
    assert.deepEqual(treeKey("End", visible, 0, collapsed, 10), { select: visible.length - 1 });
    assert.deepEqual(treeKey("PageDown", visible, 0, collapsed, 3), { select: 3 });
    assert.equal(treeKey("x", visible, 0, collapsed, 3), undefined);
  });

  it("survives parents that loop or are missing, listing every layer once", () => {
    const rows = treeRows([layer("a", "b"), layer("b", "a"), layer("c", "gone"), layer("d", "d")]);
    assert.deepEqual(rows.map((r) => r.layer.id).sort(), ["a", "b", "c", "d"]);
  });

  it("orders thousands of layers quickly", () => {
    const many = Array.from({ length: 20000 }, (_, i) => layer(`m${i % 100}.x${i}`, `m${i % 100}`)).concat(Array.from({ length: 100 }, (_, i) => layer(`m${i}`)));
    const started = Date.now();
    const rows = treeRows(many);
    visibleRows(rows, new Set(["m3"]));
    assert.equal(rows.length, many.length);
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
  });

  it("remembers collapsed modules in the view state, dropping what it cannot use", () => {
    assert.deepEqual(restoreState({ collapsed: ["layer1", 3, "", "layer2.0"] }).collapsed, ["layer1", "layer2.0"]);
    assert.deepEqual(restoreState({ collapsed: "layer1" }).collapsed, []);
    assert.deepEqual(restoreState(undefined).collapsed, []);
  });
});
