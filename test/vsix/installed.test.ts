import * as assert from "assert";
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as vscode from "vscode";
import { api, EXTENSION_ID, paintOf, painted, workspaceFile } from "../integration/support";
import { tinyModel } from "../support/tinyOnnx";

// Proves that .vscodeignore keeps what the installed extension needs: the bundles, the webview's
// files, the JPEG decoder's WebAssembly, onnxruntime-node with this platform's binaries.
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

  it("decodes a JPEG with the WebAssembly decoder it ships", async () => {
    const fm = await api();
    const controller = fm.visualize(workspaceFile("grace_hopper.jpg"));
    const paint = await paintOf(controller, "grace_hopper.jpg");
    assert.strictEqual(paint.tiles, 16);
  });

  it("its bundled CLI reads an ONNX model with only its summary on stderr: no deprecation warning", async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-vsix-"));
    try {
      const model = path.join(dir, "tiny.onnx");
      await fs.writeFile(model, tinyModel());
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(extension.extensionPath, "dist", "cli.js"), "layers", model]);
      assert.strictEqual(stderr, "tiny.onnx: float32, input [1, 1, 4, 4], 2 layers\n");
      assert.deepStrictEqual((JSON.parse(stdout) as Array<{ id: string }>).map((l) => l.id), ["conv", "act"]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
