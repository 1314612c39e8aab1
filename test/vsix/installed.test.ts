import * as assert from "assert";
import * as vscode from "vscode";
import { api, EXTENSION_ID, painted, workspaceFile } from "../integration/support";

// Proves that .vscodeignore keeps what the installed extension needs: the bundles, the webview's
// files, onnxruntime-node with this platform's binaries.
describe("the packaged VSIX, installed", () => {
  it("is the installed copy, not the development folder", () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, "installed");
    assert.match(extension.extensionPath, /feature-maps\.feature-maps-\d+\.\d+\.\d+/);
  });

  it("visualizes an image: model built, onnxruntime run, grid painted", async () => {
    const fm = await api();
    const controller = fm.visualize(workspaceFile("chelsea.png"));
    const paint = await painted(controller, "features.0", "notebook");
    assert.strictEqual(paint.tiles, 16);
    assert.strictEqual(controller.provider?.used, "cpu");
    const { picture } = await controller.snapshot();
    assert.ok(picture.width > 0 && picture.height > 0);
  });
});
