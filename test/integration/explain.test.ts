import * as assert from "assert";
import { promises as fs } from "fs";
import * as vscode from "vscode";
import { readNpy } from "../../src/engine/formats/npy";
import { exportOverlay } from "../../src/host/exports";
import type { AnalyzeResult } from "../../src/engine/run/engineMethods";
import { overlayCam, resizeMap, scaleCam } from "../../src/shared/camImage";
import { colormapLut } from "../../src/shared/colormaps";
import type { OverlaySnapshot, Picture } from "../../src/shared/protocol";
import type { ExplainedInfo, ViewController } from "../../src/host/viewController";
import { api, painted, tmpFile, until, workspaceFile } from "./support";

/** The overlay as show_cam_on_image makes it from the snapshot's own raw map, over `image`. */
function expectedOverlay(image: Picture, overlay: OverlaySnapshot): { pixels: Uint8ClampedArray; scaled: Float32Array } {
  const scaled = resizeMap(scaleCam(overlay.map), overlay.height, overlay.width, image.height, image.width, false);
  const rgba = new Uint8Array(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return { pixels: overlayCam(rgba, scaled, colormapLut(overlay.colormap), overlay.opacity), scaled };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function explained(controller: ViewController, what: string, accept: (e: ExplainedInfo) => boolean): Promise<ExplainedInfo> {
  return until(what, controller.onExplained, accept, 120_000);
}

describe("Explain view", () => {
  const cat = workspaceFile("chelsea.png");

  afterEach(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("Grad-CAM on the default layer: the overlay is show_cam_on_image's, differs from the image where the map is high, and opacity re-renders without a run", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    const loaded = until("the result", controller.onLoaded, (r): r is AnalyzeResult => !(r instanceof Error));
    await painted(controller, "features.0");
    const result = (await loaded) as AnalyzeResult;
    const image = result.image;
    assert.ok(image, "the result has the image");
    const spatial = result.model.layers.filter((l) => l.shape.length === 4 && l.shape[2] * l.shape[3] > 1);
    const defaultLayer = spatial[spatial.length - 1].id;

    // Class 1: with the seed's random weights Grad-CAM's map of class 0 at the last layer is all
    // zero (no channel has a positive weight), which leaves nothing to see.
    const first = explained(controller, "a Grad-CAM overlay", (e) => e.method === "gradcam" && e.opacity === 0.5);
    controller.showView("explain", { methods: ["gradcam"], layer: null, classIndex: 1, opacity: 0.5, colormap: "jet" });
    const info = await first;
    assert.strictEqual(info.layer, defaultLayer);
    assert.strictEqual(info.classIndex, 1);

    const overlay = await controller.overlay("gradcam");
    assert.strictEqual(overlay.picture.width, image.original.width);
    assert.strictEqual(overlay.picture.height, image.original.height);
    const { pixels, scaled } = expectedOverlay(image.original, overlay);
    // The canvas's pixels, read back: an opaque canvas keeps every byte.
    assert.ok(maxDifference(overlay.picture.rgba, pixels) <= 1, `the canvas is off the formula by ${maxDifference(overlay.picture.rgba, pixels)}`);
    // Relative to the map's peak: scale_cam_image's 1e-7 guard keeps a map as small as this
    // random model's (about 1e-6) below 1.
    const peak = scaled.reduce((a, b) => Math.max(a, b), 0);
    assert.ok(peak > 0.5, `the scaled map reaches ${peak}`);
    let high = 0;
    let moved = 0;
    for (let i = 0; i < scaled.length; i++) {
      if (scaled[i] < 0.9 * peak) continue;
      high++;
      const o = i * 4;
      const distance = Math.abs(overlay.picture.rgba[o] - image.original.rgba[o]) + Math.abs(overlay.picture.rgba[o + 1] - image.original.rgba[o + 1]) + Math.abs(overlay.picture.rgba[o + 2] - image.original.rgba[o + 2]);
      if (distance > 30) moved++;
    }
    assert.ok(high > 0, "the map has a high region");
    assert.ok(moved >= high * 0.9, `${moved} of ${high} pixels where the map is high differ from the image`);

    // The exports the card's buttons make (the host writes them, here without the save dialog).
    const npy = tmpFile("gradcam.npy");
    const png = tmpFile("gradcam.png");
    const analysis = controller.analysis;
    assert.ok(analysis);
    await exportOverlay(overlay, "npy", analysis, npy);
    await exportOverlay(overlay, "png", analysis, png);
    const saved = readNpy(await fs.readFile(npy.fsPath), "gradcam.npy");
    assert.deepStrictEqual(saved.shape, [overlay.height, overlay.width]);
    assert.deepStrictEqual([...saved.data], [...overlay.map]);
    const header = (await fs.readFile(png.fsPath)).subarray(0, 24);
    assert.strictEqual(header.toString("latin1", 1, 4), "PNG");
    assert.strictEqual(header.readUInt32BE(16), overlay.picture.width);

    const runs = (await fm.engineStatus()).runs;
    const second = explained(controller, "the overlay at opacity 0.8", (e) => e.method === "gradcam" && e.opacity === 0.8);
    controller.showView("explain", { opacity: 0.8 });
    await second;
    const again = await controller.overlay("gradcam");
    assert.strictEqual((await fm.engineStatus()).runs, runs, "no engine run for an opacity change");
    assert.deepStrictEqual([...again.map], [...overlay.map], "the same map");
    assert.ok(maxDifference(again.picture.rgba, expectedOverlay(image.original, again).pixels) <= 1);
    assert.ok(maxDifference(again.picture.rgba, overlay.picture.rgba) > 20, "the overlay changed");
  });

  it("switching method while Score-CAM runs cancels it", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    const scoreCamShown: ExplainedInfo[] = [];
    const watching = controller.onExplained((e) => e.method === "scorecam" && scoreCamShown.push(e));
    try {
      const running = until("Score-CAM's progress", controller.onExplainProgress, (p) => p.method === "scorecam" && p.done < p.total, 120_000);
      controller.showView("explain", { methods: ["scorecam"], layer: null, classIndex: null });
      await running;
      const cancelled = (await fm.engineStatus()).cancelled;
      // The engine runs one map at a time: Grad-CAM comes soon only if Score-CAM (over a minute
      // here) was cancelled.
      const gradcam = until("Grad-CAM after the switch, which waits for a Score-CAM not cancelled", controller.onExplained, (e) => e.method === "gradcam", 40_000);
      controller.showView("explain", { methods: ["gradcam"] });
      await gradcam;
      const deadline = Date.now() + 20_000;
      let status = await fm.engineStatus();
      while (status.cancelled <= cancelled && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = await fm.engineStatus();
      }
      assert.ok(status.cancelled > cancelled, "the inference process cancelled Score-CAM");
      assert.deepStrictEqual(scoreCamShown, [], "no Score-CAM overlay was drawn");
    } finally {
      watching.dispose();
    }
  });

  it("the side view of a model config offers the same view", async () => {
    const fm = await api();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile("xai.featuremaps.json")));
    await vscode.commands.executeCommand("featureMaps.sideView.focus");
    for (let i = 0; i < 100 && !fm.sideView(); i++) await new Promise((r) => setTimeout(r, 100));
    const controller = fm.sideView();
    assert.ok(controller, "the side view resolved");
    const shown = explained(controller, "an EigenCAM overlay in the side view", (e) => e.method === "eigencam");
    controller.showView("explain", { methods: ["eigencam"], layer: null, classIndex: null });
    await shown;
    const overlay = await controller.overlay("eigencam");
    assert.ok(overlay.picture.width > 0 && overlay.map.length === overlay.height * overlay.width);
    controller.showView("grid");
  });
});
