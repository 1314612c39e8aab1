import * as assert from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { scanJson } from "../../src/engine/scan/export";
import type { ScanResult } from "../../src/shared/scan";
import { api, painted, tmpFile, until, workspaceFile } from "./support";

describe("folder scan", () => {
  let folder: string;

  before(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), "fm-it-scan-"));
    await fs.mkdir(path.join(folder, "more"));
    await fs.copyFile(workspaceFile("chelsea.png").fsPath, path.join(folder, "chelsea.png"));
    await fs.copyFile(workspaceFile("grace_hopper.jpg").fsPath, path.join(folder, "more", "grace_hopper.jpg"));
    await fs.copyFile(workspaceFile("corrupt.png").fsPath, path.join(folder, "corrupt.png"));
  });

  after(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await fs.rm(folder, { recursive: true, force: true });
  });

  it("scans via the command with the layer as an argument: the view shows the top-K with overlays and lists the corrupt file; exports the JSON", async () => {
    const fm = await api();
    const result = (await vscode.commands.executeCommand("featureMaps.scanFolder", vscode.Uri.file(folder), { layer: "features.3", top: 2 })) as ScanResult | undefined;
    assert.ok(result, "the command answers with the result");
    assert.equal(result.layer, "features.3");
    assert.equal(result.scanned, 2);
    assert.deepEqual(result.failed.map((f) => f.path), ["corrupt.png"]);
    const view = fm.scanView();
    assert.ok(view, "a scan view is open");
    await until("the thumbnails of channel 0", view.onThumbnails, (c) => c === 0, 60_000);
    // The webview paints what it receives on the next turn: ask until it reports the overlays.
    let report = await view.report();
    for (let i = 0; i < 50 && report.painted < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await view.report();
    }
    assert.equal(report.channel, 0);
    assert.deepEqual(report.topByMean, result.channels[0].topByMean.map((h) => h.path));
    assert.deepEqual(report.topByMax, result.channels[0].topByMax.map((h) => h.path));
    assert.equal(report.painted, 4, "both rankings' two images painted with the overlay");
    assert.deepEqual(report.failed, ["corrupt.png"]);
    assert.equal(report.bars, 64);
    assert.deepEqual(report.dead, result.deadChannels);

    const out = tmpFile("scan.json");
    assert.equal(await view.export("json", out), out.fsPath);
    assert.equal(await fs.readFile(out.fsPath, "utf8"), scanJson(result));
  });

  it("a second scan of the unchanged folder gives the same result; an image opens at the scanned layer", async () => {
    const fm = await api();
    const again = (await vscode.commands.executeCommand("featureMaps.scanFolder", vscode.Uri.file(folder), { layer: "features.3", top: 2 })) as ScanResult | undefined;
    assert.ok(again);
    assert.equal(scanJson(again), scanJson(fm.scanView()?.result as ScanResult));
    const image = vscode.Uri.file(path.join(folder, "chelsea.png"));
    await vscode.commands.executeCommand("featureMaps.visualize", image, { layer: "features.3", channel: 5 });
    const controller = fm.controllerFor(image);
    assert.ok(controller);
    await painted(controller, "features.3", "all");
  });
});
