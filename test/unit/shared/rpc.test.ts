import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorCode, FeatureMapsError } from "../../../src/shared/errors";
import { type Method, type RpcMessage, RpcEndpoint } from "../../../src/shared/rpc";

type Server = {
  readonly add: Method<{ readonly a: number; readonly b: number }, number>;
  readonly slow: Method<Record<string, never>, string>;
  readonly fail: Method<{ readonly code: "LAYER_UNKNOWN" | "INTERNAL" }, never>;
};
type Client = { readonly ping: Method<{ readonly n: number }, { readonly n: number }> };

/** Two endpoints joined as by postMessage: asynchronously, each message a structured clone. */
function link(handlers: {
  server?: ConstructorParameters<typeof RpcEndpoint<Server, Client>>[0]["handlers"];
  checkParams?: ConstructorParameters<typeof RpcEndpoint<Server, Client>>[0]["checkParams"];
}) {
  const log: RpcMessage[] = [];
  const box: { server?: RpcEndpoint<Server, Client> } = {};
  const client: RpcEndpoint<Client, Server> = new RpcEndpoint<Client, Server>({
    post: (m) => {
      log.push(m);
      setImmediate(() => box.server?.receive(structuredClone(m)));
    },
    handlers: { ping: ({ n }) => ({ n: n + 1 }) },
  });
  const server = new RpcEndpoint<Server, Client>({
    post: (m) => {
      log.push(m);
      setImmediate(() => client.receive(structuredClone(m)));
    },
    handlers: handlers.server,
    checkParams: handlers.checkParams,
  });
  box.server = server;
  return { client, server, log };
}

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe("RpcEndpoint", () => {
  it("carries a handler's progress to the caller, and progress keeps a slow call from timing out", async () => {
    const { client } = link({
      server: {
        add: async ({ a, b }, _signal, progress) => {
          for (let i = 1; i <= 4; i++) {
            await new Promise((r) => setTimeout(r, 40));
            progress(i, 4);
          }
          return a + b;
        },
        slow: never,
        fail: never,
      },
    });
    const seen: string[] = [];
    // 160 ms of work against a 100 ms timeout: each progress report restarts the clock.
    const sum = await client.call("add", { a: 2, b: 3 }, { timeoutMs: 100, onProgress: (done, total) => seen.push(`${done}/${total}`) });
    assert.equal(sum, 5);
    assert.deepEqual(seen, ["1/4", "2/4", "3/4", "4/4"]);
  });

  it("answers each call with its own result, by id, both ways", async () => {
    const { client, server } = link({ server: { add: ({ a, b }) => a + b, slow: never, fail: never } });
    const [x, y] = await Promise.all([client.call("add", { a: 1, b: 2 }), client.call("add", { a: 10, b: 20 })]);
    assert.deepEqual([x, y], [3, 30]);
    assert.deepEqual(await server.call("ping", { n: 1 }), { n: 2 });
  });

  it("carries an error's code, message and detail across the link", async () => {
    const { client } = link({
      server: {
        add: () => 0,
        slow: never,
        fail: ({ code }) => {
          throw code === "INTERNAL" ? new Error("plain failure") : new FeatureMapsError(code, "no layer x", "layers are: a, b");
        },
      },
    });
    await assert.rejects(client.call("fail", { code: "LAYER_UNKNOWN" }), (e: unknown) => {
      assert.ok(e instanceof FeatureMapsError);
      assert.equal(e.code, "LAYER_UNKNOWN");
      assert.equal(e.message, "no layer x");
      assert.equal(e.detail, "layers are: a, b");
      return true;
    });
    await assert.rejects(client.call("fail", { code: "INTERNAL" }), (e: unknown) => errorCode(e) === "INTERNAL" && (e as Error).message === "plain failure");
  });

  it("sends a cancel that aborts the handler's signal, and rejects the caller with CANCELLED at once", async () => {
    let seen: AbortSignal | undefined;
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const slow = (_p: Record<string, never>, signal: AbortSignal): Promise<string> => {
      seen = signal;
      signal.addEventListener("abort", () => stop());
      return never();
    };
    const { client, log } = link({ server: { add: () => 0, slow, fail: never } });
    const controller = new AbortController();
    const call = client.call("slow", {}, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await assert.rejects(call, (e: unknown) => errorCode(e) === "CANCELLED");
    await stopped;
    assert.equal(seen?.aborted, true);
    assert.ok(log.some((m) => m.rpc === "cancel"));
  });

  it("rejects with TIMEOUT and cancels the work when no answer comes in time", async () => {
    let aborted = false;
    const { client } = link({
      server: {
        add: () => 0,
        slow: (_p, signal) => {
          signal.addEventListener("abort", () => (aborted = true));
          return never();
        },
        fail: never,
      },
    });
    await assert.rejects(client.call("slow", {}, { timeoutMs: 20 }), (e: unknown) => errorCode(e) === "TIMEOUT");
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(aborted, true);
  });

  it("answers unknown methods and malformed params with BAD_REQUEST, without calling the handler", async () => {
    let called = 0;
    const { client } = link({
      server: {
        add: ({ a, b }) => {
          called++;
          return a + b;
        },
        slow: never,
        fail: never,
      },
      checkParams: {
        add: (v) => {
          const p = v as { a?: unknown; b?: unknown };
          return typeof p?.a === "number" && typeof p?.b === "number" ? { a: p.a, b: p.b } : undefined;
        },
        slow: () => ({}),
        fail: () => undefined,
      },
    });
    await assert.rejects(client.call("add", { a: 1, b: "2" as unknown as number }), (e: unknown) => errorCode(e) === "BAD_REQUEST");
    await assert.rejects((client as unknown as RpcEndpoint<Client, Record<string, Method<unknown, unknown>>>).call("rm", {}), (e: unknown) => errorCode(e) === "BAD_REQUEST");
    assert.equal(called, 0);
  });

  it("leaves other messages alone and drops malformed RPC messages", () => {
    const { client } = link({});
    assert.equal(client.receive({ type: "ready" }), false);
    assert.equal(client.receive({ rpc: "result", id: -1, value: 1 }), false);
    assert.equal(client.receive({ rpc: "error", id: 1, error: { code: "NOT_A_CODE", message: "x" } }), false);
    assert.equal(client.receive(null), false);
  });

  it("fails every waiting call when the other side goes, and posts nothing once closed", async () => {
    const { client, log } = link({ server: { add: never, slow: never, fail: never } });
    const a = client.call("add", { a: 1, b: 1 });
    client.failAll(new FeatureMapsError("ENGINE_CRASHED", "gone"));
    await assert.rejects(a, (e: unknown) => errorCode(e) === "ENGINE_CRASHED");
    client.close();
    const posted = log.length;
    await assert.rejects(client.call("add", { a: 1, b: 1 }), (e: unknown) => errorCode(e) === "CANCELLED");
    assert.equal(log.length, posted);
  });
});
