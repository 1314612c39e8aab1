import type { ExplainParams, ExplainReply } from "../../src/shared/explain";
import { runKey } from "./settings";

export type RunState =
  | { readonly kind: "running"; readonly done?: number; readonly total?: number }
  | { readonly kind: "done"; readonly reply: ExplainReply }
  | { readonly kind: "failed"; readonly message: string }
  | { readonly kind: "cancelled" };

/** Asks the host for one map; resolves undefined when cancelled. */
export type Explain = (params: ExplainParams, signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<ExplainReply | undefined>;

/** Finished maps kept per view: a few methods side by side, over a few classes. */
const KEPT = 24;

/**
 * The runs of the Explain view. Only the maps on screen are wanted: a run whose map left the
 * screen (another class, method or layer) is cancelled, so the engine, which runs one at a time,
 * goes on to what is shown. Finished maps are kept, so going back to one shows it without a run.
 */
export class ExplainRuns {
  private readonly states = new Map<string, RunState>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly finished: string[] = [];
  private wanted = new Set<string>();

  constructor(
    private readonly explain: Explain,
    /** A run's state changed. */
    private readonly changed: (key: string, state: RunState) => void,
  ) {}

  state(params: ExplainParams): RunState | undefined {
    return this.states.get(runKey(params));
  }

  /** Shows exactly these runs: starts the missing ones, cancels the others in flight. */
  want(runs: readonly ExplainParams[]): void {
    const keys = new Map(runs.map((p) => [runKey(p), p]));
    this.wanted = new Set(keys.keys());
    for (const [key, controller] of this.controllers) if (!this.wanted.has(key)) this.stop(key, controller);
    // A run the user cancelled or that failed stays so while shown; shown again later it runs again.
    for (const [key, state] of this.states) if (!this.wanted.has(key) && state.kind !== "done") this.states.delete(key);
    for (const [key, params] of keys) if (!this.states.has(key)) this.start(key, params);
  }

  /** The user's cancel of one run. */
  cancel(params: ExplainParams): void {
    const key = runKey(params);
    const controller = this.controllers.get(key);
    if (!controller) return;
    this.stop(key, controller);
    this.set(key, { kind: "cancelled" });
  }

  retry(params: ExplainParams): void {
    const key = runKey(params);
    if (this.controllers.has(key)) return;
    this.states.delete(key);
    if (this.wanted.has(key)) this.start(key, params);
  }

  /** A new result: every map made before means nothing now. */
  clear(): void {
    for (const [key, controller] of this.controllers) this.stop(key, controller);
    this.states.clear();
    this.finished.length = 0;
    this.wanted.clear();
  }

  /** Runs in flight, for tests and the view's busy state. */
  get running(): number {
    return this.controllers.size;
  }

  private start(key: string, params: ExplainParams): void {
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.set(key, { kind: "running" });
    const mine = (): boolean => this.controllers.get(key) === controller;
    this.explain(params, controller.signal, (done, total) => {
      if (mine()) this.set(key, { kind: "running", done, total });
    }).then(
      (reply) => {
        if (!mine()) return;
        this.controllers.delete(key);
        if (!reply) return this.set(key, { kind: "cancelled" });
        this.keep(key);
        this.set(key, { kind: "done", reply });
      },
      (e: unknown) => {
        if (!mine()) return;
        this.controllers.delete(key);
        this.set(key, { kind: "failed", message: e instanceof Error ? e.message : String(e) });
      },
    );
  }

  private stop(key: string, controller: AbortController): void {
    this.controllers.delete(key);
    controller.abort();
    if (this.states.get(key)?.kind === "running") this.states.delete(key);
  }

  private keep(key: string): void {
    this.finished.push(key);
    // Maps on screen stay (at most one per method, far fewer than KEPT): they go to the back.
    while (this.finished.length > KEPT) {
      const old = this.finished.shift() as string;
      if (this.wanted.has(old)) this.finished.push(old);
      else this.states.delete(old);
    }
  }

  private set(key: string, state: RunState): void {
    this.states.set(key, state);
    this.changed(key, state);
  }
}
