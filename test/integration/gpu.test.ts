import * as assert from "assert";
import * as vscode from "vscode";
import { hintFor } from "../../src/host/errorHints";
import { EXTENSION_ID, api, loadError, painted, workspaceFile } from "./support";

// GPU acceleration as a user of the extension meets it, on this CPU-only machine: the install
// command is there, `auto` runs on the CPU without a warning, and asking for `cuda` says what to do.

describe("GPU acceleration", () => {
  const cat = workspaceFile("chelsea.png");

  afterEach(async () => {
    await vscode.workspace.getConfiguration("featureMaps").update("executionProvider", undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("contributes and registers Feature Maps: Install GPU Acceleration (CUDA)", async () => {
    await api();
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string; title: string; category: string }[] } }).contributes.commands;
    const install = contributed.find((c) => c.command === "featureMaps.installCuda");
    assert.deepStrictEqual(install && `${install.category}: ${install.title}`, "Feature Maps: Install GPU Acceleration (CUDA)");
    assert.ok((await vscode.commands.getCommands(true)).includes("featureMaps.installCuda"), "the command is registered");
  });

  it("under auto without an NVIDIA GPU, runs on the CPU with the reason kept quiet (no warning, nothing offered)", async () => {
    const fm = await api();
    const controller = fm.visualize(cat);
    await painted(controller, "features.0");
    const report = controller.provider;
    assert.strictEqual(report?.used, "cpu");
    assert.strictEqual(report?.wanted, "auto");
    assert.strictEqual(report?.quiet, true, `a quiet reason, got ${JSON.stringify(report)}`);
    assert.match(report?.reason ?? "", /^No NVIDIA GPU was found/);
    assert.strictEqual(report?.installable, undefined);
    assert.doesNotMatch(JSON.stringify(report), /npm/);
  });

  it("asked for cuda, fails with what is missing and the install command as the hint, never npm", async () => {
    const fm = await api();
    await vscode.workspace.getConfiguration("featureMaps").update("executionProvider", "cuda", vscode.ConfigurationTarget.Global);
    const controller = fm.visualize(cat);
    const message = await loadError(controller);
    assert.match(message, /^CUDA could not be used: its provider \(libonnxruntime_providers_cuda\.so\) is not installed\.$/);
    assert.match(hintFor("CUDA_UNAVAILABLE") ?? "", /Install GPU Acceleration \(CUDA\)/);
    assert.doesNotMatch(message + (hintFor("CUDA_UNAVAILABLE") ?? ""), /npm/);
  });
});
