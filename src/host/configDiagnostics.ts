import * as vscode from "vscode";
import { promises as fs } from "fs";
import { CONFIG_SUFFIX, type ConfigProblem, type ModelConfig, problemSpan, readModelConfig, weightsProblems } from "../engine/model/config";

export function isConfigDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === "file" && document.fileName.toLowerCase().endsWith(CONFIG_SUFFIX);
}

/**
 * Problems of `*.featuremaps.json` files as the user types: what the JSON schema cannot see
 * (channel mismatches, sizes collapsing, missing files, weights that do not fit).
 */
export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("featureMaps");
  private readonly subscriptions: vscode.Disposable[];
  private readonly versions = new Map<string, number>();
  /** Reading a large weights file on every keystroke would stall typing: the last check is kept. */
  private weightsCheck?: { key: string; problems: Promise<ConfigProblem[]> };

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => void this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => void this.check(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    ];
    for (const d of vscode.workspace.textDocuments) void this.check(d);
  }

  async check(document: vscode.TextDocument): Promise<void> {
    if (!isConfigDocument(document)) return;
    const key = document.uri.toString();
    const version = document.version;
    this.versions.set(key, version);
    const text = document.getText();
    const { config, problems } = readModelConfig(text, document.uri.fsPath);
    const all: ConfigProblem[] = config ? [...problems, ...(await this.weights(config))] : problems;
    // A newer edit may have been checked while the weights were read.
    if (this.versions.get(key) !== version) return;
    this.collection.set(
      document.uri,
      all.map((p) => {
        const { offset, length } = problemSpan(text, p);
        const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
        const d = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
        d.source = "Feature Maps";
        return d;
      }),
    );
  }

  private async weights(config: ModelConfig): Promise<ConfigProblem[]> {
    const model = config.model;
    if (model.kind !== "architecture" || !("file" in model.weights)) return [];
    const stamp = await fs.stat(model.weights.file).then((s) => `${s.mtimeMs}:${s.size}`, () => "missing");
    const key = JSON.stringify([model.weights.file, model.weights.key, stamp, model.architecture, model.preprocessing.height, model.preprocessing.width]);
    if (this.weightsCheck?.key !== key) this.weightsCheck = { key, problems: weightsProblems(config) };
    return this.weightsCheck.problems;
  }

  dispose(): void {
    this.collection.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
