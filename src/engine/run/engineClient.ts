import { type ChildProcess, fork } from "child_process";
import type { EngineOptions } from "../engine";
import type { EngineCall, EngineResults, FromEngine, ToEngine } from "./messages";

/**
 * Node's deserializer may hand typed arrays that view a larger buffer; webviews must receive
 * exact-size arrays, so such views are copied out.
 */
function exactArrays<T>(value: T): T {
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as Uint8Array;
    return (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? value : view.slice()) as T;
  }
  if (Array.isArray(value)) return value.map(exactArrays) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactArrays(v)])) as T;
  }
  return value;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Runs the engine in a child process and restarts it on the next call after it dies. Calls in
 * flight when it dies fail with the reason; nothing else in the caller is affected.
 */
export class EngineClient {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly script: string,
    private options: EngineOptions,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  configure(options: EngineOptions): void {
    this.options = options;
    // A new process starts with the new options; cached sessions belong to the old ones.
    this.stop();
  }

  call<K extends EngineCall["op"]>(call: Extract<EngineCall, { op: K }>): Promise<EngineResults[K]> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<EngineResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ kind: "call", id, call } satisfies ToEngine);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill();
    this.failAll("the inference process was restarted");
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(this.script, [], { serialization: "advanced", stdio: ["ignore", "pipe", "pipe", "ipc"] });
    child.stdout?.on("data", (d: Buffer) => this.log(d.toString().trimEnd()));
    child.stderr?.on("data", (d: Buffer) => this.log(d.toString().trimEnd()));
    child.on("message", (m: FromEngine) => this.settle(m));
    child.on("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      this.log(`inference process ended (${why})`);
      this.failAll(`the inference process stopped (${why}); the model may have crashed onnxruntime. It restarts on the next request`);
    });
    child.on("error", (e) => this.log(`inference process error: ${e.message}`));
    child.send({ kind: "init", options: this.options } satisfies ToEngine);
    this.child = child;
    return child;
  }

  private settle(message: FromEngine): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.kind === "result") p.resolve(exactArrays(message.value));
    else p.reject(new Error(message.message));
  }

  private failAll(reason: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new Error(reason));
  }
}
