import * as vscode from "vscode";
import { installCudaProvider, type InstallProgress } from "../engine/gpu/install";
import { CUDA_PIN, cudaUnsupported } from "../engine/gpu/pin";
import { errorCode } from "../shared/errors";
import type { ProviderReport } from "../shared/protocol";
import { INSTALL_CUDA_COMMAND } from "./statusBar";

// The command behind "Install GPU Acceleration (CUDA)", and the one-time offer of it. The work
// itself is plain Node (src/engine/gpu/install.ts); here it gets VS Code's progress and cancel.

const OFFERED_KEY = "featureMaps.cudaInstallOffered";

function progressText(p: InstallProgress): string {
  if (p.stage === "verify") return "checking the download";
  if (p.stage === "extract") return "installing the provider libraries";
  const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
  return p.total ? `downloading ${mb(p.received ?? 0)} of ${mb(p.total)} MB` : `downloading ${mb(p.received ?? 0)} MB`;
}

/** Downloads and installs the CUDA provider into global storage; `installed` restarts inference with it. */
export async function installGpuAcceleration(storage: vscode.Uri, installed: () => void): Promise<void> {
  const unsupported = cudaUnsupported(CUDA_PIN);
  if (unsupported) {
    void vscode.window.showInformationMessage(`Feature Maps: ${unsupported}.`);
    return;
  }
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Feature Maps: GPU acceleration", cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        return installCudaProvider({
          storage: storage.fsPath,
          signal: abort.signal,
          onProgress: (p) => {
            const share = p.stage === "download" && p.total ? Math.floor((100 * (p.received ?? 0)) / p.total) : shown;
            progress.report({ message: progressText(p), increment: share - shown });
            shown = share;
          },
        });
      },
    );
    installed();
    void vscode.window.showInformationMessage(
      result.already
        ? "Feature Maps: GPU acceleration is already installed."
        : "Feature Maps: GPU acceleration is installed. Views run on CUDA where NVIDIA's CUDA 12 and cuDNN 9 libraries are present; the status bar says which ran.",
    );
  } catch (e) {
    const message = `Feature Maps: ${(e as Error).message}.`;
    if (errorCode(e) === "CANCELLED") void vscode.window.showInformationMessage(message);
    else void vscode.window.showErrorMessage(message);
  }
}

/** Once per installation of the extension: a GPU is here and only the provider is missing. */
export function offerInstallOnce(state: vscode.Memento, report: ProviderReport): void {
  if (!report.installable || report.quiet || state.get<boolean>(OFFERED_KEY)) return;
  void state.update(OFFERED_KEY, true);
  void vscode.window
    .showInformationMessage("Feature Maps runs on the CPU: this machine has an NVIDIA GPU, but onnxruntime's CUDA provider is not installed.", "Install GPU Acceleration", "Not Now")
    .then((choice) => choice === "Install GPU Acceleration" && vscode.commands.executeCommand(INSTALL_CUDA_COMMAND));
}
