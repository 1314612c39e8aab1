import { errorCode } from "../src/shared/errors";
import type { ExplainMethod } from "../src/shared/choices";
import type { ExplainParams, ExplainReply } from "../src/shared/explain";
import type { ChannelReply, ExportKind, ExportReply, HostMethods, LayerReply, LayerRequest, OverlaySnapshot, Snapshot, WebviewMethods } from "../src/shared/protocol";
import { type RpcMessage, RpcEndpoint } from "../src/shared/rpc";

/**
 * Requests in one lane supersede each other: only the newest answer is wanted (the user moved on
 * to another layer, or the mouse to another channel), so the older one is cancelled on the host.
 */
export type Lane = "layer" | "hover" | "zoom";

/** Everything the webview asks the host, with newest-wins lanes; and the host's questions answered. */
export class Requests {
  private readonly rpc: RpcEndpoint<WebviewMethods, HostMethods>;
  private readonly lanes = new Map<Lane, AbortController>();

  constructor(post: (message: RpcMessage) => void, snapshot: () => Snapshot, overlay: (method?: ExplainMethod) => OverlaySnapshot) {
    this.rpc = new RpcEndpoint<WebviewMethods, HostMethods>({ post, handlers: { snapshot, overlay: ({ method }) => overlay(method) } });
  }

  /**
   * Resolves to undefined when superseded or cancelled; rejects with the host's error otherwise.
   * `shown`: for the grid on screen, not a prefetch.
   */
  getLayer(request: LayerRequest, shown: boolean): Promise<LayerReply | undefined> {
    return this.inLane("layer", (signal) => this.rpc.call("layer", { request, shown }, { signal }));
  }

  getChannel(lane: Lane, layer: string, channel: number): Promise<ChannelReply | undefined> {
    return this.inLane(lane, (signal) => this.rpc.call("channel", { layer, channel }, { signal }));
  }

  /** Not in a lane: a save dialog the user is looking at must not be cancelled by another click. */
  exportLayer(kind: ExportKind, layer: string): Promise<ExportReply | undefined> {
    return orUndefinedIfCancelled(this.rpc.call("export", { kind, layer }));
  }

  /** Not in a lane: the Explain view decides which of its runs are still wanted. */
  explain(explain: ExplainParams, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<ExplainReply | undefined> {
    return orUndefinedIfCancelled(this.rpc.call("explain", { explain }, { signal, onProgress }));
  }

  exportExplain(kind: ExportKind, method: ExplainMethod): Promise<ExportReply | undefined> {
    return orUndefinedIfCancelled(this.rpc.call("exportExplain", { kind, method }));
  }

  /** Drops every unanswered request, e.g. when the host has loaded a new result and old answers mean nothing. */
  abandonAll(): void {
    this.rpc.cancelAll();
  }

  /** Takes a message of the RPC; false for the host's other notices. */
  receive(message: unknown): boolean {
    return this.rpc.receive(message);
  }

  private inLane<T>(lane: Lane, call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.lanes.get(lane)?.abort();
    const controller = new AbortController();
    this.lanes.set(lane, controller);
    return orUndefinedIfCancelled(call(controller.signal));
  }
}

function orUndefinedIfCancelled<T>(reply: Promise<T>): Promise<T | undefined> {
  return reply.catch((e: unknown) => {
    if (errorCode(e) === "CANCELLED") return undefined;
    throw e;
  });
}
