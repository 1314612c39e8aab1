import type * as vscode from "vscode";
import type { AnalyzeRequest } from "../../engine/engine";
import type { EngineClient } from "../../engine/run/engineClient";

/**
 * One background analysis at a time, of the image a panel is likely to show next. The engine makes
 * it only when it fits beside the analyses it holds (it never evicts the one on screen), and runs
 * it at its turn like any run: so a prefetch of another image than the one the user now asks for
 * is cancelled, which stops it at its next safe point.
 */
export class Prefetch implements vscode.Disposable {
  private pending?: { readonly key: string; readonly stop: AbortController };

  constructor(private readonly engine: EngineClient) {}

  start(request: AnalyzeRequest): void {
    const key = JSON.stringify(request);
    if (this.pending?.key === key) return;
    this.pending?.stop.abort();
    const pending = { key, stop: new AbortController() };
    this.pending = pending;
    const settle = (): void => {
      if (this.pending === pending) this.pending = undefined;
    };
    // Refused for room, cancelled, or a broken image: nothing to say until the user asks for it.
    this.engine.call("analyze", { analyze: request, prefetch: true }, { signal: pending.stop.signal }).then(settle, settle);
  }

  /** The user asks for `request` now: a prefetch of it goes on (the user's request joins it), any other stops. */
  before(request: AnalyzeRequest | undefined): void {
    if (this.pending && this.pending.key !== JSON.stringify(request)) {
      this.pending.stop.abort();
      this.pending = undefined;
    }
  }

  dispose(): void {
    this.before(undefined);
  }
}
