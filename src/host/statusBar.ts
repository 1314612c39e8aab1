import * as vscode from "vscode";
import type { ProviderReport } from "../shared/protocol";

export const INSTALL_CUDA_COMMAND = "featureMaps.installCuda";

/**
 * Which execution provider ran the visible view. Why not CUDA is a warning only where it helps
 * (CUDA asked for, or an NVIDIA GPU present): without a GPU under `auto` the CPU is what was
 * expected, and the reason is only in the tooltip.
 */
export class ProviderStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("featureMaps.provider", vscode.StatusBarAlignment.Right, 100);

  /** `onWarning` hears each report that warns, e.g. to offer the install once. */
  constructor(private readonly onWarning: (report: ProviderReport) => void = () => undefined) {
    this.item.name = "Feature Maps: execution provider";
  }

  show(report: ProviderReport | undefined): void {
    if (!report) {
      this.item.hide();
      return;
    }
    const warn = report.reason !== undefined && !report.quiet;
    const used = report.used.toUpperCase();
    this.item.text = `${warn ? "$(warning) " : "$(chip) "}Feature Maps: ${used}`;
    if (warn && report.installable) {
      this.item.tooltip = `${report.reason}.\nRunning on the CPU. Click to install GPU acceleration.`;
      this.item.command = { title: "Install GPU Acceleration", command: INSTALL_CUDA_COMMAND };
    } else {
      this.item.tooltip = report.reason ? `${report.reason}.${warn ? "\nRunning on the CPU." : ""}` : `onnxruntime runs on the ${used} (setting: ${report.wanted}).`;
      this.item.command = { title: "Settings", command: "workbench.action.openSettings", arguments: ["featureMaps.executionProvider"] };
    }
    this.item.show();
    if (warn) this.onWarning(report);
  }

  dispose(): void {
    this.item.dispose();
  }
}
