import * as assert from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { api, paintOf, painted, workspaceFile } from "./support";

function names(panels: readonly { readonly image: vscode.Uri }[]): string[] {
  return panels.map((p) => path.basename(p.image.fsPath));
}

async function setReuse(value: boolean | undefined): Promise<void> {
  await vscode.workspace.getConfiguration("featureMaps").update("reusePanel", value, vscode.ConfigurationTarget.Workspace);
}

describe("Panel that follows", () => {
  const cat = workspaceFile("chelsea.png");
  const photo = workspaceFile("grace_hopper.jpg");
  /** A folder of copies of the cat whose names sort differently by code point than in the Explorer. */
  let folder: string;

  before(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), "fm-follow-"));
    for (const name of ["img10.png", "img2.png", "Img1.png"]) await fs.copyFile(cat.fsPath, path.join(folder, name));
    await fs.writeFile(path.join(folder, "notes.txt"), "not an image");
  });

  after(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  afterEach(async () => {
    await setReuse(undefined);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("a second image reuses the panel: same webview, new title, the layer kept", async () => {
    const fm = await api();
    await vscode.commands.executeCommand("featureMaps.visualize", cat, [cat]);
    const [first] = fm.panels();
    assert.strictEqual(first.panel.title, "Feature Maps: chelsea.png");
    await painted(first.controller, "features.0");
    first.controller.selectLayer("features.7");
    await painted(first.controller, "features.7");

    const next = paintOf(first.controller, "grace_hopper.jpg");
    await vscode.commands.executeCommand("featureMaps.visualize", photo, [photo]);
    const paint = await next;
    assert.strictEqual(fm.panels().length, 1, "no second panel");
    const [reused] = fm.panels();
    assert.strictEqual(reused.panel, first.panel, "the same webview panel");
    assert.strictEqual(reused.panel.title, "Feature Maps: grace_hopper.jpg");
    assert.strictEqual(fm.controllerFor(photo), first.controller);
    assert.strictEqual(paint.layer, "features.7", "the layer shown before stays");
  });

  it("a locked panel keeps its image: the next image opens a new panel, which follows from then on", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    await vscode.commands.executeCommand("featureMaps.lockPanel");
    const [locked] = fm.panels();
    assert.strictEqual(locked.locked, true);
    assert.strictEqual(locked.panel.title, "[Locked] Feature Maps: chelsea.png");

    const other = fm.visualize(photo);
    assert.notStrictEqual(other, controller);
    await painted(other, "features.0");
    assert.deepStrictEqual(names(fm.panels()), ["chelsea.png", "grace_hopper.jpg"]);
    assert.strictEqual(fm.visualize(vscode.Uri.file(path.join(folder, "img2.png"))), other, "the new panel follows");

    // The image the locked panel shows is revealed there, not loaded into the follower.
    assert.strictEqual(fm.visualize(cat), controller);
    await vscode.commands.executeCommand("featureMaps.unlockPanel");
    assert.strictEqual(fm.panels().find((p) => p.controller === controller)?.panel.title, "Feature Maps: chelsea.png");
  });

  it("Visualize Feature Maps to the Side opens another panel even when one follows", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    await vscode.commands.executeCommand("featureMaps.visualizeToSide", photo, [photo]);
    assert.deepStrictEqual(names(fm.panels()), ["chelsea.png", "grace_hopper.jpg"]);
    const side = fm.controllerFor(photo);
    assert.ok(side && side !== controller);
    await painted(side, "features.0");
  });

  it("with featureMaps.reusePanel off, one panel per image", async () => {
    const fm = await api();
    await setReuse(false);
    await painted(fm.visualize(cat), "features.0");
    await painted(fm.visualize(photo), "features.0");
    assert.deepStrictEqual(names(fm.panels()), ["chelsea.png", "grace_hopper.jpg"]);
  });

  it("next and previous go through the folder's images in the Explorer's order and stop at its ends; back and forward retrace them", async () => {
    const fm = await api();
    const shown = (): string => path.basename(fm.panels()[0].image.fsPath);
    const controller = fm.visualize(vscode.Uri.file(path.join(folder, "img2.png")));
    await painted(controller, "features.0");
    const steps: string[] = [];
    for (const command of ["nextImage", "nextImage", "previousImage", "previousImage", "previousImage", "back", "back", "back", "forward"]) {
      await vscode.commands.executeCommand(`featureMaps.${command}`);
      steps.push(shown());
    }
    assert.deepStrictEqual(steps, ["img10.png", "img10.png", "img2.png", "Img1.png", "Img1.png", "img2.png", "img10.png", "img2.png", "img10.png"]);
    assert.strictEqual(fm.panels().length, 1);
    assert.strictEqual(fm.panels()[0].panel.title, "Feature Maps: img10.png");
  });

  it("after a load the next image is analysed in the background: stepping to it runs no model", async () => {
    const fm = await api();
    // Images no test has shown: the engine holds no analysis of them yet.
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), "fm-prefetch-"));
    try {
      for (const name of ["a.png", "b.png"]) await fs.copyFile(cat.fsPath, path.join(fresh, name));
      const controller = fm.visualize(vscode.Uri.file(path.join(fresh, "a.png")));
      await paintOf(controller, "a.png");
      // a.png was painted, maybe from the graph cut to its layer with the whole run to follow
      // (src/engine/analysis/progressive.ts); the prefetch of b.png starts after the paint. Runs
      // go one at a time: once none has started for a while, both are done.
      const runsBefore = (await fm.engineStatus()).runs;
      const deadline = Date.now() + 20_000;
      let runs = runsBefore;
      for (let still = Date.now(); (runs === runsBefore || Date.now() - still < 1500) && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100));
        const now = (await fm.engineStatus()).runs;
        if (now !== runs) still = Date.now();
        runs = now;
      }
      assert.ok(runs > runsBefore, "the prefetch of b.png ran");
      const next = paintOf(controller, "b.png");
      await vscode.commands.executeCommand("featureMaps.nextImage");
      await next;
      assert.strictEqual((await fm.engineStatus()).runs, runs, "b.png came from the prefetched analysis");
    } finally {
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });
});
