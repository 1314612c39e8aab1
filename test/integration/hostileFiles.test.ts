import * as assert from "assert";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { api, loadError, painted, workspaceFile } from "./support";

// The editor's config diagnostics run in the extension host: a weights file that never ends must
// be refused from its type, not read until the host runs out of memory.

describe("hostile files in the workspace", () => {
  let folder: string;
  /** The workspace's featureMaps.model before a test changed it (the fixture's .vscode/settings.json holds it). */
  let modelBefore: string | undefined;
  /** The config a test opened in an editor, closed after it. */
  let document: vscode.TextDocument | undefined;

  beforeEach(async () => {
    folder = workspaceFile(`hostile-${Date.now()}`).fsPath;
    modelBefore = vscode.workspace.getConfiguration("featureMaps").inspect<string>("model")?.workspaceValue;
    await fs.mkdir(folder);
  });

  afterEach(async () => {
    const settings = vscode.workspace.getConfiguration("featureMaps");
    if (settings.inspect<string>("model")?.workspaceValue !== modelBefore) await settings.update("model", modelBefore, vscode.ConfigurationTarget.Workspace);
    if (document) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
      document = undefined;
    }
    await fs.rm(folder, { recursive: true, force: true });
  });

  // Panels stay open between these tests: a webview opened just after another closed can wait
  // half a minute for its service worker in the web workbench.
  after(() => vscode.commands.executeCommand("workbench.action.closeAllEditors"));

  it("a config whose weights are a link to /dev/zero gets a diagnostic naming the file within seconds, and panels still paint", async () => {
    const fm = await api();
    const example = await fs.readFile(workspaceFile("xai.featuremaps.json").fsPath, "utf8");
    const text = example
      .replace('"weights": { "init": "pytorch-default", "seed": 0 }', '"weights": { "safetensors": "weights.safetensors" }')
      .replace('"images": ["chelsea.png"]', '"images": ["../chelsea.png"]');
    assert.ok(text.includes('"safetensors": "weights.safetensors"') && text.includes("../chelsea.png"), "the fixture config has the entries this test edits");
    await fs.symlink("/dev/zero", path.join(folder, "weights.safetensors"));
    const config = vscode.Uri.file(path.join(folder, "zero.featuremaps.json"));
    await fs.writeFile(config.fsPath, text);

    const started = Date.now();
    const expected = /^weights\.safetensors: cannot read the file \(a device, not a file\)$/;
    const matching = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(config).filter((d) => expected.test(d.message));
    document = await vscode.workspace.openTextDocument(config);
    await vscode.window.showTextDocument(document);
    for (let i = 0; i < 100 && matching().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const [diagnostic] = matching();
    assert.ok(diagnostic, `a diagnostic naming the weights within 10 s; got ${JSON.stringify(vscode.languages.getDiagnostics(config).map((d) => d.message))}`);
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
    assert.match(document.lineAt(diagnostic.range.start.line).text, /"safetensors": "weights\.safetensors"/);

    // The extension host is alive and well: a panel opens and paints.
    const controller = fm.visualize(workspaceFile("chelsea.png"));
    const paint = await painted(controller, "features.0", "notebook");
    assert.strictEqual(paint.tiles, 16);
  });

  it("a model setting naming a config that is a FIFO shows the error in the panel instead of blocking the extension host", async () => {
    const fm = await api();
    const fifo = path.join(folder, "pipe.featuremaps.json");
    execFileSync("mkfifo", [fifo]);
    await vscode.workspace.getConfiguration("featureMaps").update("model", fifo, vscode.ConfigurationTarget.Workspace);
    const controller = fm.visualize(workspaceFile("chelsea.png"));
    assert.match(await loadError(controller), /pipe\.featuremaps\.json: cannot read the file \(a named pipe, not a file\)/);
  });
});
