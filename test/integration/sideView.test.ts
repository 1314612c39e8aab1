import * as assert from "assert";
import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { writeSafetensors } from "../../src/engine/formats/safetensors";
import type { ViewController } from "../../src/host/viewController";
import { api, loadError, painted, tmpFile, until, workspaceFile } from "./support";

/** Edits the config through a WorkspaceEdit, as an extension or a refactoring would. */
async function replaceIn(document: vscode.TextDocument, from: string, to: string): Promise<void> {
  const text = document.getText();
  const at = text.indexOf(from);
  assert.ok(at >= 0, `the config contains ${from}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

function diagnosticsOf(uri: vscode.Uri, match: RegExp): Promise<vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri).filter((d) => match.test(d.message));
  if (now.length > 0) return Promise.resolve(now);
  return until(`a diagnostic matching ${match}`, vscode.languages.onDidChangeDiagnostics, () =>
    vscode.languages.getDiagnostics(uri).some((d) => match.test(d.message)),
  ).then(() => vscode.languages.getDiagnostics(uri).filter((d) => match.test(d.message)));
}

async function sideView(): Promise<ViewController> {
  const fm = await api();
  await vscode.commands.executeCommand("featureMaps.sideView.focus");
  for (let i = 0; i < 100 && !fm.sideView(); i++) await new Promise((r) => setTimeout(r, 100));
  const controller = fm.sideView();
  assert.ok(controller, "the side view resolved");
  return controller;
}

describe("side panel while editing a model config", () => {
  const original = workspaceFile("xai.featuremaps.json");
  let config: vscode.Uri;
  let document: vscode.TextDocument;

  before(async () => {
    // VS Code for the Web saves edits a second after the last one. A save already on its way when
    // afterEach removes a scratch config would write it back into the fixture workspace.
    await vscode.workspace.getConfiguration("files").update("autoSave", "off", vscode.ConfigurationTarget.Global);
  });

  beforeEach(async () => {
    // A scratch copy per test, beside the images its paths point at.
    config = workspaceFile(`edit-${Date.now()}.featuremaps.json`);
    await fs.copyFile(original.fsPath, config.fsPath);
    document = await vscode.workspace.openTextDocument(config);
    await vscode.window.showTextDocument(document);
  });

  afterEach(async () => {
    // Revert this config's editor, not whatever is active: closing a dirty one would ask to save.
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    await fs.rm(config.fsPath, { force: true });
  });

  it("shows the example config's model: the notebook grid of features.0", async () => {
    const view = await sideView();
    const paint = await painted(view, "features.0", "notebook");
    assert.strictEqual(paint.tiles, 16);
  });

  it("follows an edit of features.0 from 64 to 32 channels: 32 tiles and the new shapes", async () => {
    const view = await sideView();
    await painted(view, "features.0");
    await replaceIn(document, '{"type": "conv2d", "in": 3, "out": 64', '{"type": "conv2d", "in": 3, "out": 32');
    await replaceIn(document, '{"type": "batchnorm2d", "features": 64}', '{"type": "batchnorm2d", "features": 32}');
    await replaceIn(document, '{"type": "conv2d", "in": 64, "out": 64', '{"type": "conv2d", "in": 32, "out": 64');
    const loaded = await until("the edited model", view.onLoaded, (r) => !(r instanceof Error) && r.model.layers[0].shape[1] === 32);
    assert.ok(!(loaded instanceof Error));
    assert.deepStrictEqual(loaded.model.layers[0].shape, [1, 32, 98, 98]);
    assert.deepStrictEqual(loaded.model.layers[4].shape, [1, 64, 98, 98]);
    view.selectLayer("features.0", "all");
    const paint = await painted(view, "features.0", "all");
    assert.strictEqual(paint.tiles, 32);
    assert.deepStrictEqual([...paint.channels], paint.channels.map((_, i) => i), "index order from channel 0");
  });

  it("repaints a colormap edit from the tiles it has, without running the model again", async () => {
    const view = await sideView();
    // An earlier test may have left another config's result on screen; wait for this one's.
    const ours = (): boolean => {
      const model = view.analysis?.model;
      return model?.kind === "architecture" && model.label === path.basename(config.fsPath);
    };
    if (!ours()) await until("this config's result", view.onLoaded, ours);
    await painted(view, "features.0");
    const before = await view.snapshot();
    assert.strictEqual(before.layout.colormap, "viridis");
    let runs = 0;
    const counting = view.onLoaded(() => runs++);
    try {
      await replaceIn(document, '"colormap": "viridis"', '"colormap": "magma"');
      let after = await view.snapshot();
      for (let i = 0; i < 100 && after.layout.colormap !== "magma"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await view.snapshot();
      }
      assert.strictEqual(after.layout.colormap, "magma");
      assert.deepStrictEqual(after.layout.channels, before.layout.channels);
      assert.notDeepStrictEqual(after.picture.rgba, before.picture.rgba, "the pixels changed colour");
      assert.strictEqual(runs, 0, "no new analysis was loaded");
    } finally {
      counting.dispose();
    }
  });

  it("keeps the last result and shows a diagnostic while the JSON is broken", async () => {
    const view = await sideView();
    await painted(view, "features.0");
    await replaceIn(document, '"layers":', '"layers" oops');
    assert.match(await loadError(view), /JSON: /);
    const diagnostics = await diagnosticsOf(config, /JSON: /);
    assert.strictEqual(diagnostics[0].range.start.line, document.getText().split("\n").findIndex((l) => l.includes("oops")));
  });

  it("names the key when the weights do not fit", async () => {
    const weights = tmpFile("wrong.safetensors");
    await fs.writeFile(weights.fsPath, writeSafetensors(new Map([["features.0.weight", { shape: [32, 3, 3, 3], data: new Float32Array(864) }]])));
    await replaceIn(document, '"weights": { "init": "pytorch-default", "seed": 0 }', `"weights": { "safetensors": ${JSON.stringify(path.relative(path.dirname(config.fsPath), weights.fsPath))} }`);
    const diagnostics = await diagnosticsOf(config, /features\.0\.weight is \[32, 3, 3, 3\], Conv2d features\.0 needs \[64, 3, 3, 3\]/);
    const line = document.lineAt(diagnostics[0].range.start.line).text;
    assert.match(line, /"type": "conv2d", "in": 3, "out": 64/);
  });
});
