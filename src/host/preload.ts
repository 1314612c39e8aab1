import * as vscode from "vscode";
import type { EngineClient } from "../engine/run/engineClient";
import { imageSource } from "./viewSources";

const USED_KEY = "featureMaps.usedInWorkspace";

/** Remembers that Feature Maps was used in this workspace: its next windows preload the model. */
export function markUsed(state: vscode.Memento): void {
  if (!state.get<boolean>(USED_KEY)) void state.update(USED_KEY, true);
}

async function likelyUsed(state: vscode.Memento): Promise<boolean> {
  if (state.get<boolean>(USED_KEY)) return true;
  return (await vscode.workspace.findFiles("**/*.featuremaps.json", "**/node_modules/**", 1)).length > 0;
}

/**
 * In a workspace that uses Feature Maps, runs the default model once on the bundled sample image
 * in the background. The first panel then finds the inference process started, the model built
 * and onnxruntime past its slower first run.
 */
export async function preload(context: vscode.ExtensionContext, engine: EngineClient, log: (line: string) => void): Promise<void> {
  if (vscode.workspace.getConfiguration("featureMaps").get<string>("preload") === "off") return;
  if (!(await likelyUsed(context.workspaceState))) return;
  const sample = vscode.Uri.joinPath(context.extensionUri, "media", "samples", "chelsea.png");
  try {
    await engine.call("analyze", { analyze: imageSource(sample).target().analyze });
    log("Preloaded the default model.");
  } catch (e) {
    // The panel reports a broken setting or model when it is opened; here it only costs the head start.
    log(`Did not preload the model: ${(e as Error).message}`);
  }
}
