import * as assert from "assert";
import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { seededStateDict } from "../../src/engine/model/models";
import { pthBytes } from "../support/pthWriter";
import { api, painted, until, workspaceFile } from "./support";

// resnet18 with weights saved as a torch.save .pth, named by a model config: the panel and the
// side view run it, paint layer4, and send its module tree.
describe("a torchvision model from a .pth in a model config", () => {
  const cat = workspaceFile("chelsea.png");
  const stamp = Date.now();
  const pth = workspaceFile(`resnet18-${stamp}.pth`);
  const config = workspaceFile(`resnet18-${stamp}.featuremaps.json`);

  let previousModel: string | undefined;

  before(async () => {
    previousModel = vscode.workspace.getConfiguration("featureMaps").inspect<string>("model")?.workspaceValue;
    await fs.writeFile(pth.fsPath, pthBytes(await seededStateDict({ kind: "torchvision", name: "resnet18", weights: { seed: 0 } })));
    const body = { model: { architecture: { torchvision: "resnet18" } }, weights: { safetensors: path.basename(pth.fsPath) }, images: ["chelsea.png"], layers: ["layer4"] };
    await fs.writeFile(config.fsPath, JSON.stringify(body, null, 2));
  });
  after(async () => {
    // The fixture workspace's own setting (builtin:xai) comes back, as the other suites expect it.
    await vscode.workspace.getConfiguration("featureMaps").update("model", previousModel, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await fs.rm(pth.fsPath, { force: true });
    await fs.rm(config.fsPath, { force: true });
  });

  it("the panel paints layer4 (512x7x7) and sends the module tree: layer4 > layer4.1 > layer4.1.conv2", async () => {
    const fm = await api();
    await vscode.workspace.getConfiguration("featureMaps").update("model", config.fsPath, vscode.ConfigurationTarget.Workspace);
    const controller = fm.visualize(cat);
    const loaded = await until("resnet18's result", controller.onLoaded, (r) => !(r instanceof Error) && r.model.layers.some((l) => l.id === "layer4"));
    assert.ok(!(loaded instanceof Error));
    const model = loaded.model;
    assert.match(model.label, /resnet18/);
    const layer = (id: string) => model.layers.find((l) => l.id === id);
    assert.deepStrictEqual(layer("layer4")?.shape, [1, 512, 7, 7]);
    assert.strictEqual(layer("layer4.1")?.parent, "layer4");
    assert.strictEqual(layer("layer4.1.conv2")?.parent, "layer4.1");
    controller.selectLayer("layer4", "notebook");
    const paint = await painted(controller, "layer4", "notebook");
    assert.strictEqual(paint.tiles, 16);
  });

  it("Explain: Grad-CAM on layer4 (the default) of the top class, over the cat", async () => {
    const fm = await api();
    await vscode.workspace.getConfiguration("featureMaps").update("model", config.fsPath, vscode.ConfigurationTarget.Workspace);
    const controller = fm.visualize(cat);
    await painted(controller, "layer4");
    const shown = until("a Grad-CAM overlay", controller.onExplained, (e) => e.method === "gradcam", 120_000);
    controller.showView("explain", { methods: ["gradcam"], layer: null, classIndex: null, opacity: 0.5, colormap: "jet" });
    const info = await shown;
    assert.strictEqual(info.layer, "layer4");
    const overlay = await controller.overlay("gradcam");
    assert.deepStrictEqual([overlay.height, overlay.width], [7, 7], "the map is at layer4's resolution");
    assert.ok(overlay.map.some((v) => v > 0), "the map is not all zero");
    // Drawn over the panel's copy of the original image (its longer side 256 px), not the 7x7 map.
    assert.deepStrictEqual([overlay.picture.width, overlay.picture.height], [256, 170]);
  });

  it("the side view of the config runs the same model and shows layer4 first", async () => {
    const fm = await api();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(config));
    await vscode.commands.executeCommand("featureMaps.sideView.focus");
    for (let i = 0; i < 100 && !fm.sideView(); i++) await new Promise((r) => setTimeout(r, 100));
    const view = fm.sideView();
    assert.ok(view, "the side view resolved");
    const ours = (): boolean => view.analysis?.model.kind === "torchvision";
    if (!ours()) await until("the config's result", view.onLoaded, ours);
    await painted(view, "layer4");
  });
});
