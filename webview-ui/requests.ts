import type { ExportKind, LayerRequest, ReplyBody, RequestId, ToHost, ToWebview } from "../src/shared/protocol";

/**
 * Requests in one lane supersede each other: only the newest answer is wanted (the user moved on
 * to another layer, or the mouse to another channel), so the older one is cancelled on the host.
 */
export type Lane = "layer" | "hover" | "zoom";

type Kind = ReplyBody["kind"];
type BodyOf<K extends Kind> = Extract<ReplyBody, { kind: K }>;

interface Pending {
  readonly kind: Kind;
  settle(body: ReplyBody | undefined): void;
  fail(error: Error): void;
}

type Answer = Extract<ToWebview, { type: "reply" | "replyError" }>;

/** Ids, cancellation and newest-wins for everything the webview asks the host. */
export class Requests {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly newest = new Map<Lane, RequestId>();

  constructor(private readonly post: (message: ToHost) => void) {}

  /**
   * Resolves to undefined when superseded or cancelled; rejects with the host's message on an
   * error. `shown`: for the grid on screen, not a prefetch.
   */
  getLayer(request: LayerRequest, shown: boolean): Promise<BodyOf<"layer"> | undefined> {
    return this.send("layer", (id) => ({ type: "getLayer", id, request, shown }), "layer");
  }

  getChannel(lane: Lane, layer: string, channel: number): Promise<BodyOf<"channel"> | undefined> {
    return this.send("channel", (id) => ({ type: "getChannel", id, layer, channel }), lane);
  }

  /** Not in a lane: a save dialog the user is looking at must not be cancelled by another click. */
  exportLayer(kind: ExportKind, layer: string): Promise<BodyOf<"export"> | undefined> {
    return this.send("export", (id) => ({ type: "export", id, kind, layer }));
  }

  /** Drops every unanswered request, e.g. when the host has loaded a new result and old answers mean nothing. */
  abandonAll(): void {
    for (const id of [...this.pending.keys()]) this.cancel(id);
  }

  handle(answer: Answer): void {
    const p = this.pending.get(answer.id);
    if (!p) return; // superseded or abandoned: its answer is stale
    this.pending.delete(answer.id);
    if (answer.type === "replyError") {
      if (answer.cancelled) p.settle(undefined);
      else p.fail(new Error(answer.message));
    } else if (answer.body.kind !== p.kind) {
      p.fail(new Error(`expected a ${p.kind} reply, got ${answer.body.kind}`));
    } else {
      p.settle(answer.body);
    }
  }

  private cancel(id: RequestId): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.post({ type: "cancel", id });
    p.settle(undefined);
  }

  private send<K extends Kind>(kind: K, message: (id: RequestId) => ToHost, lane?: Lane): Promise<BodyOf<K> | undefined> {
    const id = this.nextId++;
    if (lane) {
      const previous = this.newest.get(lane);
      if (previous !== undefined) this.cancel(previous);
      this.newest.set(lane, id);
    }
    return new Promise<BodyOf<K> | undefined>((resolve, reject) => {
      this.pending.set(id, { kind, settle: (body) => resolve(body as BodyOf<K> | undefined), fail: reject });
      this.post(message(id));
    });
  }
}
