import * as vscode from "vscode";
import type { ProviderReport } from "../shared/protocol";

/** Which execution provider ran the visible view, and why not CUDA when CUDA was wanted. */
export class ProviderStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("featureMaps.provider", vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = "Feature Maps: execution provider";
    this.item.command = { title: "Settings", command: "workbench.action.openSettings", arguments: ["featureMaps.executionProvider"] };
  }

  show(report: ProviderReport | undefined): void {
    if (!report) {
      this.item.hide();
      return;
    }
    const fallback = report.reason !== undefined;
    this.item.text = `${fallback ? "$(warning) " : "$(chip) "}Feature Maps: ${report.used.toUpperCase()}`;
    this.item.tooltip = fallback ? `${report.reason}\nRunning on the CPU.` : `onnxruntime runs on the ${report.used.toUpperCase()} (setting: ${report.wanted}).`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
