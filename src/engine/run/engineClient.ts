import { type ChildProcess, fork } from "child_process";
import { errorCode, FeatureMapsError } from "../../shared/errors";
import { type CallOptions, type Params, type Result, RpcEndpoint } from "../../shared/rpc";
import type { EngineOptions } from "../engine";
import type { EngineInit, EngineMethods } from "./engineMethods";

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

interface Running {
  readonly child: ChildProcess;
  readonly rpc: RpcEndpoint<Record<string, never>, EngineMethods>;
}

export interface ClientOptions {
  /** A call without an answer this long fails with TIMEOUT, and the process is replaced. */
  readonly timeoutMs: number;
  /**
   * Idle this long with more memory than this, the process is replaced: memory a big analysis
   * touched is seldom given back to the system, and a new process starts small.
   */
  readonly recycle?: { readonly idleMs: number; readonly rssBytes: number };
}

export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * What the inference process holds beyond the memory budget: Node, onnxruntime, the open models,
 * the decoded-image cache, and freed activations the allocator has not given back yet.
 */
export const ENGINE_OVERHEAD_MB = 512;

/**
 * Runs the engine in a child process and restarts it on the next call after it dies. Calls in
 * flight when it dies fail with ENGINE_CRASHED; a call that gets no answer in time fails with
 * TIMEOUT and the process is replaced, so one wedged request cannot block those after it.
 */
export class EngineClient {
  private running?: Running;
  private idle?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly script: string,
    private options: EngineOptions,
    private readonly log: (line: string) => void = () => undefined,
    private client: ClientOptions = { timeoutMs: DEFAULT_TIMEOUT_MS },
  ) {}

  configure(options: EngineOptions, client: ClientOptions = this.client): void {
    this.options = options;
    this.client = client;
    // A new process starts with the new options; cached sessions belong to the old ones.
    this.stop();
  }

  call<K extends keyof EngineMethods & string>(method: K, params: Params<EngineMethods, K>, options?: CallOptions): Promise<Result<EngineMethods, K>> {
    const running = this.ensure();
    clearTimeout(this.idle);
    const call = running.rpc.call(method, params, { timeoutMs: this.client.timeoutMs, ...options });
    call.then(
      () => this.whenIdle(running),
      (e: unknown) => (errorCode(e) === "TIMEOUT" ? this.replace(running, e as FeatureMapsError) : this.whenIdle(running)),
    );
    return call;
  }

  stop(): void {
    const running = this.running;
    this.running = undefined;
    clearTimeout(this.idle);
    running?.child.kill();
    running?.rpc.failAll(new FeatureMapsError("CANCELLED", "the inference process was restarted"));
  }

  /** Kills a process that did not answer in time; whoever waited on it gets the same TIMEOUT. */
  private replace(running: Running, error: FeatureMapsError): void {
    if (this.running !== running) return;
    this.running = undefined;
    this.log(`inference process replaced: ${error.message}`);
    running.child.kill("SIGKILL");
    running.rpc.failAll(new FeatureMapsError("TIMEOUT", `${error.message}; the inference process was restarted`));
  }

  private whenIdle(running: Running): void {
    const recycle = this.client.recycle;
    if (!recycle || this.running !== running || running.rpc.waiting > 0) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.running !== running || running.rpc.waiting > 0) return;
      running.rpc.call("status", {}, { timeoutMs: this.client.timeoutMs }).then(
        (status) => {
          if (this.running !== running || running.rpc.waiting > 0 || status.rssBytes <= recycle.rssBytes) return;
          this.log(`inference process recycled: ${Math.round(status.rssBytes / 2 ** 20)} MB while idle`);
          this.stop();
        },
        () => undefined,
      );
    }, recycle.idleMs);
    this.idle.unref?.();
  }

  private ensure(): Running {
    if (this.running) return this.running;
    const child = fork(this.script, [], { serialization: "advanced", stdio: ["ignore", "pipe", "pipe", "ipc"] });
    const rpc = new RpcEndpoint<Record<string, never>, EngineMethods>({
      // A call made as the process dies is answered by the exit handler below.
      post: (m) => child.connected && child.send(m),
      mapResult: exactArrays,
    });
    const running = { child, rpc };
    child.stdout?.on("data", (d: Buffer) => this.log(d.toString().trimEnd()));
    child.stderr?.on("data", (d: Buffer) => this.log(d.toString().trimEnd()));
    child.on("message", (m: unknown) => rpc.receive(m));
    child.on("exit", (code, signal) => {
      if (this.running === running) this.running = undefined;
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      this.log(`inference process ended (${why})`);
      rpc.failAll(new FeatureMapsError("ENGINE_CRASHED", `the inference process stopped (${why}) while working; it restarts on the next request`));
    });
    child.on("error", (e) => this.log(`inference process error: ${e.message}`));
    child.send({ type: "init", options: this.options } satisfies EngineInit);
    this.running = running;
    return running;
  }
}
