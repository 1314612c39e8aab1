import { type ChildProcess, fork } from "child_process";
import { FeatureMapsError } from "../../shared/errors";
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

/**
 * Runs the engine in a child process and restarts it on the next call after it dies. Calls in
 * flight when it dies fail with ENGINE_CRASHED; nothing else in the caller is affected.
 */
export class EngineClient {
  private running?: Running;

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

  call<K extends keyof EngineMethods & string>(method: K, params: Params<EngineMethods, K>, options?: CallOptions): Promise<Result<EngineMethods, K>> {
    return this.ensure().rpc.call(method, params, options);
  }

  stop(): void {
    const running = this.running;
    this.running = undefined;
    running?.child.kill();
    running?.rpc.failAll(new FeatureMapsError("CANCELLED", "the inference process was restarted"));
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
