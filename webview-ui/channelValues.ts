import type { ChannelReply } from "../src/shared/protocol";
import { Lru } from "./common/lru";
import type { Lane, Requests } from "./requests";

/** Raw float values of single channels (hover readout, zoom), kept for the channels looked at last. */
export class ChannelValues {
  private readonly cache = new Lru<string, ChannelReply>(48);

  constructor(private readonly requests: Requests) {}

  cached(layer: string, channel: number): ChannelReply | undefined {
    return this.cache.get(`${channel}@${layer}`);
  }

  /** Undefined when superseded in its lane; rejects with the host's message. */
  async fetch(lane: Lane, layer: string, channel: number): Promise<ChannelReply | undefined> {
    const hit = this.cached(layer, channel);
    if (hit) return hit;
    const reply = await this.requests.getChannel(lane, layer, channel);
    if (reply) this.cache.set(`${channel}@${layer}`, reply);
    return reply;
  }

  clear(): void {
    this.cache.clear();
  }
}
