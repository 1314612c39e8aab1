// One request/reply mechanism for both links: webview <-> extension host (postMessage) and
// extension host <-> inference process (IPC). Each link declares a table of methods (params and
// result types); either side may serve some and call the others. Replies carry a value or an
// error as data with a code; a cancel travels to the side doing the work, whose handler sees it
// through an AbortSignal at its next safe point.

import { cancelled, type ErrorData, FeatureMapsError, fromErrorData, isErrorCode, toErrorData } from "./errors";

export interface Method<P, R> {
  readonly params: P;
  readonly result: R;
}

/** A link's methods by name. */
export type MethodTable = { readonly [name: string]: Method<unknown, unknown> };

export type Params<M extends MethodTable, K extends keyof M> = M[K]["params"];
export type Result<M extends MethodTable, K extends keyof M> = M[K]["result"];

export type RpcMessage =
  | { readonly rpc: "call"; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly rpc: "result"; readonly id: number; readonly value: unknown }
  | { readonly rpc: "error"; readonly id: number; readonly error: ErrorData }
  | { readonly rpc: "cancel"; readonly id: number }
  /** From the side doing the work: how far a long call is. It also shows the worker is alive. */
  | { readonly rpc: "progress"; readonly id: number; readonly done: number; readonly total: number };

/** A handler's way to report how far it is. */
export type Progress = (done: number, total: number) => void;

export type Handlers<M extends MethodTable> = {
  readonly [K in keyof M]: (params: Params<M, K>, signal: AbortSignal, progress: Progress) => Promise<Result<M, K>> | Result<M, K>;
};

/** Per method, the value if well-formed, else undefined: what comes from a less trusted side. */
export type Checks<M extends MethodTable, Part extends "params" | "result"> = {
  readonly [K in keyof M]: (value: unknown) => M[K][Part] | undefined;
};

export interface CallOptions {
  /** Aborting it cancels the call: the promise rejects with CANCELLED and the other side is told. */
  readonly signal?: AbortSignal;
  /** Rejects with TIMEOUT (and cancels) when neither an answer nor progress came within this many ms. */
  readonly timeoutMs?: number;
  readonly onProgress?: Progress;
}

export interface EndpointOptions<Local extends MethodTable, Remote extends MethodTable> {
  readonly post: (message: RpcMessage) => void;
  readonly handlers?: Handlers<Local>;
  /** Checks of incoming params; a call that fails them is answered BAD_REQUEST. */
  readonly checkParams?: Checks<Local, "params">;
  /** Checks of incoming results; one that fails them rejects the call with BAD_REQUEST. */
  readonly checkResults?: Checks<Remote, "result">;
  /** Applied to every result before it reaches the caller. */
  readonly mapResult?: (value: unknown) => unknown;
}

interface Pending {
  readonly method: string;
  progress(done: number, total: number): void;
  resolve(value: unknown): void;
  reject(error: FeatureMapsError): void;
}

const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function isErrorData(v: unknown): v is ErrorData {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return isErrorCode(e.code) && typeof e.message === "string" && (e.detail === undefined || typeof e.detail === "string");
}

/** The message as an RPC message, or undefined when it is something else (a notification). */
export function asRpcMessage(raw: unknown): RpcMessage | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (!isId(m.id)) return undefined;
  switch (m.rpc) {
    case "call":
      return typeof m.method === "string" ? (m as RpcMessage) : undefined;
    case "result":
    case "cancel":
      return m as RpcMessage;
    case "progress":
      return Number.isFinite(m.done) && Number.isFinite(m.total) ? (m as RpcMessage) : undefined;
    case "error":
      return isErrorData(m.error) ? (m as RpcMessage) : undefined;
    default:
      return undefined;
  }
}

export class RpcEndpoint<Local extends MethodTable, Remote extends MethodTable> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Calls being served, by the caller's id: cancelling one aborts its handler's signal. */
  private readonly serving = new Map<number, AbortController>();
  private closed = false;

  constructor(private readonly options: EndpointOptions<Local, Remote>) {}

  private post(message: RpcMessage): void {
    if (!this.closed) this.options.post(message);
  }

  call<K extends keyof Remote & string>(method: K, params: Params<Remote, K>, options: CallOptions = {}): Promise<Result<Remote, K>> {
    const { signal, timeoutMs, onProgress } = options;
    if (signal?.aborted || this.closed) return Promise.reject(cancelled());
    const id = this.nextId++;
    return new Promise<Result<Remote, K>>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        if (timeoutMs === undefined) return;
        clearTimeout(timer);
        timer = setTimeout(() => this.abandon(id, new FeatureMapsError("TIMEOUT", `${method}: no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      };
      const onAbort = (): void => this.abandon(id, cancelled());
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.pending.set(id, {
        method,
        progress: (doneCount, total) => {
          arm();
          onProgress?.(doneCount, total);
        },
        resolve: (v) => {
          done();
          resolve(v as Result<Remote, K>);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      signal?.addEventListener("abort", onAbort);
      arm();
      this.post({ rpc: "call", id, method, params });
    });
  }

  /** Takes a message if it belongs to the RPC; false for anything else. */
  receive(raw: unknown): boolean {
    const message = asRpcMessage(raw);
    if (!message) return false;
    switch (message.rpc) {
      case "call":
        void this.serve(message.id, message.method, message.params);
        return true;
      case "cancel":
        this.serving.get(message.id)?.abort();
        return true;
      case "result":
        this.settle(message.id, message.value);
        return true;
      case "error":
        this.take(message.id)?.reject(fromErrorData(message.error));
        return true;
      case "progress":
        this.pending.get(message.id)?.progress(message.done, message.total);
        return true;
    }
  }

  /** Rejects every call awaiting an answer, e.g. when the other side has gone. */
  failAll(error: FeatureMapsError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }

  /** Cancels every call awaiting an answer, telling the other side. */
  cancelAll(): void {
    for (const id of [...this.pending.keys()]) this.abandon(id, cancelled());
  }

  /** The link is gone: calls both ways end as cancelled, and nothing more is posted. */
  close(): void {
    this.closed = true;
    this.failAll(cancelled());
    for (const controller of this.serving.values()) controller.abort();
  }

  get waiting(): number {
    return this.pending.size;
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private abandon(id: number, error: FeatureMapsError): void {
    const p = this.take(id);
    if (!p) return;
    this.post({ rpc: "cancel", id });
    p.reject(error);
  }

  private settle(id: number, raw: unknown): void {
    const p = this.take(id);
    if (!p) return;
    const check = this.options.checkResults?.[p.method];
    const value = check ? check(raw) : raw;
    if (value === undefined && check) {
      p.reject(new FeatureMapsError("BAD_REQUEST", `${p.method}: malformed answer`));
      return;
    }
    p.resolve(this.options.mapResult ? this.options.mapResult(value) : value);
  }

  private async serve(id: number, method: string, raw: unknown): Promise<void> {
    const handlers = this.options.handlers as Record<string, (params: unknown, signal: AbortSignal, progress: Progress) => unknown> | undefined;
    const handler = handlers && Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) {
      this.post({ rpc: "error", id, error: { code: "BAD_REQUEST", message: `unknown request ${method}` } });
      return;
    }
    const check = this.options.checkParams?.[method];
    const params = check ? check(raw) : raw;
    if (check && params === undefined) {
      this.post({ rpc: "error", id, error: { code: "BAD_REQUEST", message: `malformed ${method} request` } });
      return;
    }
    const controller = new AbortController();
    this.serving.set(id, controller);
    try {
      const value = await handler(params, controller.signal, (done, total) => {
        if (!controller.signal.aborted) this.post({ rpc: "progress", id, done, total });
      });
      this.post(controller.signal.aborted ? { rpc: "error", id, error: toErrorData(cancelled()) } : { rpc: "result", id, value });
    } catch (e) {
      this.post({ rpc: "error", id, error: toErrorData(controller.signal.aborted ? cancelled() : e) });
    } finally {
      this.serving.delete(id);
    }
  }
}
