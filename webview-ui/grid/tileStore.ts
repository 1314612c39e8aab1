import type { LayerReply, LayerStats } from "../../src/shared/protocol";

export interface Tile {
  readonly channel: number;
  /** height * width bytes; 0..255 stand for low..high. */
  readonly bytes: Uint8Array;
  /** Where the map holds NaN or an infinity (mask codes beside bytes); absent when its reply has none. */
  readonly mask?: Uint8Array;
  readonly low: number;
  readonly high: number;
}

interface Chunk {
  readonly start: number;
  readonly reply: LayerReply;
}

/** What a reply holds in tile bytes, its mask included. */
function heldBytes(reply: LayerReply): number {
  return reply.tiles.byteLength + (reply.nonFinite?.byteLength ?? 0);
}

/** Replies can be large (hundreds of 98x98 maps); old windows go first once this much is held. */
const BYTE_BUDGET = 64 * 1024 * 1024;

/**
 * The tiles received for one layer under one set of request settings, by display position, so
 * scrolling back and repainting with another colormap or tile size need no new request.
 */
export class TileStore {
  private readonly at = new Map<number, { readonly chunk: Chunk; readonly index: number }>();
  private chunks: Chunk[] = [];
  private held = 0;
  /** Changes whenever tiles arrive, so painters know the picture may differ. */
  version = 0;
  stats: LayerStats | undefined;

  constructor(readonly key: string) {}

  /** The tile bytes held. */
  get bytes(): number {
    return this.held;
  }

  add(start: number, reply: LayerReply): void {
    const chunk = { start, reply };
    this.chunks.push(chunk);
    this.held += heldBytes(reply);
    for (let i = 0; i < reply.channels.length; i++) this.at.set(start + i, { chunk, index: i });
    this.stats = reply.stats;
    this.version++;
    this.evict();
  }

  get(position: number): Tile | undefined {
    const hit = this.at.get(position);
    if (!hit) return undefined;
    const { reply } = hit.chunk;
    const size = reply.height * reply.width;
    const tile = (bytes: Uint8Array): Uint8Array => bytes.subarray(hit.index * size, (hit.index + 1) * size);
    return {
      channel: reply.channels[hit.index],
      bytes: tile(reply.tiles),
      ...(reply.nonFinite ? { mask: tile(reply.nonFinite) } : {}),
      low: reply.low[hit.index],
      high: reply.high[hit.index],
    };
  }

  /** Any tile: in the shared normalisations every tile has the same low..high. */
  first(): Tile | undefined {
    const position = this.at.keys().next();
    return position.done ? undefined : this.get(position.value);
  }

  /** The narrowest range covering every position in [from, to) that has no tile yet. */
  missing(from: number, to: number): { readonly start: number; readonly end: number } | undefined {
    let start = from;
    let end = to;
    while (start < end && this.at.has(start)) start++;
    while (end > start && this.at.has(end - 1)) end--;
    return start < end ? { start, end } : undefined;
  }

  private evict(): void {
    while (this.held > BYTE_BUDGET && this.chunks.length > 1) {
      const old = this.chunks.shift() as Chunk;
      this.held -= heldBytes(old.reply);
      for (let i = 0; i < old.reply.channels.length; i++) {
        if (this.at.get(old.start + i)?.chunk === old) this.at.delete(old.start + i);
      }
    }
  }
}
