import * as assert from "assert";
import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { planArchitecture } from "../../src/engine/model/architecture";
import { readNpy } from "../../src/engine/formats/npy";
import { initialWeights } from "../../src/engine/model/weights";
import { xaiArchitecture } from "../../src/engine/model/xaiArchitecture";
import { notebookChannels } from "../../src/shared/presets";
import { SEED0 } from "../support/reference";
import { colormapLut, NON_FINITE_RGB } from "../../src/shared/colormaps";
import { nonFiniteKind } from "../../src/shared/nonFinite";
import { toBytes } from "../../src/shared/normalize";
import { MIXED_VALUES, NON_FINITE_SIDE, nonFiniteModel, tinyModel } from "../support/tinyOnnx";
import { writeTorchExport } from "../support/torchExport";
import { api, assertTileShows, loadError, painted, tilePixel, tmpFile, until, workspaceFile } from "./support";

const SEED_CHANNELS = notebookChannels(64);

async function referenceChannel(layer: string): Promise<Float32Array> {
  const stored = readNpy(await fs.readFile(path.join(SEED0, "channels", `${layer}.npy`)), layer);
  return stored.data.subarray(0, stored.shape[1] * stored.shape[2]);
}

/** Puts back the settings changed by withSettings: run after each test, even one that timed out. */
let restoreSettings: (() => Promise<void>) | undefined;

/** Runs `test` with the workspace's featureMaps settings changed as given; they are put back after the test. */
async function withSettings(change: Readonly<Record<string, string>>, test: () => Promise<void>): Promise<void> {
  const settings = vscode.workspace.getConfiguration("featureMaps");
  const before = Object.keys(change).map((key) => [key, settings.inspect<string>(key)?.workspaceValue] as const);
  restoreSettings = async () => {
    for (const [key, value] of before) await settings.update(key, value, vscode.ConfigurationTarget.Workspace);
  };
  for (const [key, value] of Object.entries(change)) await settings.update(key, value, vscode.ConfigurationTarget.Workspace);
  await test();
}

describe("Visualize Feature Maps panel", () => {
  const cat = workspaceFile("chelsea.png");

  afterEach(async () => {
    await restoreSettings?.();
    restoreSettings = undefined;
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("explorer: opens a panel on the clicked image that paints the notebook's 4x4 grid of features.0, equal to PyTorch", async () => {
    const fm = await api();
    // The explorer passes the clicked Uri and the selection.
    await vscode.commands.executeCommand("featureMaps.visualize", cat, [cat]);
    const controller = fm.controllerFor(cat);
    assert.ok(controller, "a panel for the image");
    const paint = await painted(controller, "features.0", "notebook");
    assert.deepStrictEqual([...paint.channels], SEED_CHANNELS);
    assert.strictEqual(controller.provider?.used, "cpu");
    // Tile 0 is channel 0: its pixels are PyTorch's channel 0 through viridis.
    await assertTileShows(controller, 0, await referenceChannel("features.0"), 98, 98);
  });

  it("switching layers paints the new layer (features.30 = PyTorch's, 12x12 tiles)", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    controller.selectLayer("features.30", "notebook");
    const paint = await painted(controller, "features.30", "notebook");
    assert.deepStrictEqual([...paint.channels], SEED_CHANNELS);
    await assertTileShows(controller, 0, await referenceChannel("features.30"), 12, 12);
  });

  it("a panel shown again after being hidden repaints its result without running the model again", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    let runs = 0;
    const counting = controller.onLoaded(() => runs++);
    try {
      // Another editor in the panel's group hides it: without retainContextWhenHidden its webview is discarded.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: "plaintext" }), { viewColumn: vscode.ViewColumn.Active });
      const repainted = until("the re-created webview's paint", controller.onPainted, (p) => p.layer === "features.0");
      fm.visualize(cat);
      await repainted;
      assert.strictEqual(runs, 0, "the result was posted again, not recomputed");
    } finally {
      counting.dispose();
    }
  });

  it("palette and image tab: the command without arguments takes the active image tab", async () => {
    const fm = await api();
    const photo = workspaceFile("grace_hopper.jpg");
    await vscode.commands.executeCommand("vscode.open", photo);
    // The image tab is a webview too. VS Code in a browser can leave one of two webviews made at
    // the same moment blank for good (both register a service worker for one origin; 3 of 12
    // tries here). A user's image tab has long loaded when they run the command.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await vscode.commands.executeCommand("featureMaps.visualize");
    const controller = fm.controllerFor(photo);
    assert.ok(controller, "a panel for the image in the active tab");
    await painted(controller, "features.0");
  });

  it("explorer multi-selection: one panel per image, each painting", async () => {
    const fm = await api();
    const photo = workspaceFile("grace_hopper.jpg");
    await vscode.commands.executeCommand("featureMaps.visualize", cat, [cat, photo]);
    for (const image of [cat, photo]) {
      const controller = fm.controllerFor(image);
      assert.ok(controller, `a panel for ${path.basename(image.fsPath)}`);
      await painted(controller, "features.0");
    }
  });

  it("a corrupt image shows its error in the panel; other panels keep working", async () => {
    const fm = await api();
    const good = fm.visualize(cat);
    await painted(good, "features.0");
    // To the side: Visualize Feature Maps alone would show it in the same panel (follow.test.ts).
    const corrupt = workspaceFile("corrupt.png");
    await vscode.commands.executeCommand("featureMaps.visualizeToSide", corrupt, [corrupt]);
    const bad = fm.controllerFor(corrupt);
    assert.ok(bad && bad !== good, "a panel of its own");
    assert.match(await loadError(bad), /corrupt\.png: not a PNG, JPEG, BMP, GIF or TIFF image/);
    good.selectLayer("features.7");
    await painted(good, "features.7");
  });

  it("a model without 4-D tensors is refused with a clear message", async () => {
    const fm = await api();
    const model = tmpFile("flat.onnx");
    await fs.writeFile(model.fsPath, tinyModel({ flat: true }));
    await withSettings({ model: model.fsPath }, async () => {
      const controller = fm.visualize(cat);
      assert.match(await loadError(controller), /flat\.onnx: input x is not a 4-D float tensor/);
    });
  });

  it("NaN and infinities under global normalisation: finite values through gray, the others in their fixed colours, not all black", async () => {
    const fm = await api();
    const model = tmpFile("nonfinite.onnx");
    await fs.writeFile(model.fsPath, nonFiniteModel());
    const side = NON_FINITE_SIDE;
    await withSettings({ model: model.fsPath, normalize: "global", colormap: "gray" }, async () => {
      const controller = fm.visualize(cat);
      // The first layer, x / 0 of an image in 0..1: +Inf, or NaN where a pixel is 0; nothing on the colormap.
      await painted(controller, "ratio/Div");
      const ratio = await controller.snapshot();
      const fixed = new Set([NON_FINITE_RGB.nan, NON_FINITE_RGB.posInf].map((rgb) => rgb.join(",")));
      for (let p = 0; p < side * side; p++) assert.ok(fixed.has(tilePixel(ratio, 0, p % side, Math.floor(p / side), side, side).join(",")), `ratio/Div pixel ${p}`);

      controller.selectLayer("mixed", "notebook");
      await painted(controller, "mixed", "notebook");
      const snapshot = await controller.snapshot();
      assert.deepStrictEqual(snapshot.layout.channels, [0, 1, 2, 3]);
      // The global range is that of the finite values of all layers: channel 0's -1000..1000.
      const bytes = new Uint8Array(MIXED_VALUES.length);
      toBytes(MIXED_VALUES, { low: -1000, high: 1000 }, bytes);
      const lut = colormapLut(snapshot.layout.colormap);
      const black: string[] = [];
      MIXED_VALUES.forEach((v, i) => {
        const c = Math.floor(i / (side * side));
        const p = i % (side * side);
        const kind = nonFiniteKind(v);
        const expected = kind ? [...NON_FINITE_RGB[kind]] : [...lut.subarray(bytes[i] * 3, bytes[i] * 3 + 3)];
        const shown = tilePixel(snapshot, c, p % side, Math.floor(p / side), side, side);
        assert.deepStrictEqual(shown, expected, `channel ${c} pixel ${p} (${v})`);
        if (shown.join(",") === "0,0,0") black.push(`${c}/${p}`);
      });
      // Not all black: only the lowest finite value, where gray starts.
      assert.deepStrictEqual(black, ["0/0"]);
    });
  });

  it("re-runs when the image changes on disk", async () => {
    const fm = await api();
    const changing = workspaceFile(`changing-${Date.now()}.png`);
    await fs.copyFile(cat.fsPath, changing.fsPath);
    try {
      const controller = fm.visualize(changing);
      await painted(controller, "features.0");
      const reloaded = until("a reload with the new picture", controller.onLoaded, (r) => !(r instanceof Error) && r.image?.originalWidth === 512);
      // grace_hopper.jpg is 512 x 600: the panel must pick up the new content under the old name.
      await fs.copyFile(workspaceFile("grace_hopper.jpg").fsPath, changing.fsPath);
      await reloaded;
    } finally {
      await fs.rm(changing.fsPath, { force: true });
    }
  });

  it("re-runs when its model file changes on disk", async () => {
    const fm = await api();
    const model = tmpFile("changing-model.onnx");
    await fs.writeFile(model.fsPath, tinyModel({ flat: true }));
    try {
      await withSettings({ model: model.fsPath }, async () => {
        const controller = fm.visualize(cat);
        assert.match(await loadError(controller), /changing-model\.onnx: input x is not a 4-D float tensor/);
        // The user exports a working model over the broken one: the panel follows without being asked.
        const fixed = until("a run of the model written over the broken one", controller.onLoaded, (r) => !(r instanceof Error));
        await writeTorchExport(initialWeights(planArchitecture(xaiArchitecture(), 100, 100), 0), model.fsPath);
        await fixed;
        await painted(controller, "features.0");
      });
    } finally {
      await fs.rm(model.fsPath, { force: true });
    }
  });

  it("exports the grid as PNG and the layer as .npy", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    const png = tmpFile("grid.png");
    const npy = tmpFile("layer.npy");
    await vscode.commands.executeCommand("featureMaps.saveGridPng", png);
    await vscode.commands.executeCommand("featureMaps.saveLayerNpy", npy);
    const pngBytes = await fs.readFile(png.fsPath);
    assert.strictEqual(pngBytes.subarray(1, 4).toString("ascii"), "PNG");
    const array = readNpy(await fs.readFile(npy.fsPath), "layer.npy");
    assert.deepStrictEqual(array.shape, [1, 64, 98, 98]);
  });
});
