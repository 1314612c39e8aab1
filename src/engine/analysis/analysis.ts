import type { ChannelReply, ImageView, LayerReply, LayerRequest, ModelView } from "../../shared/protocol";
import { FeatureMapsError } from "../../shared/errors";
import { findLayer, unknownLayerMessage } from "../../shared/layerIds";
import { finiteRange, type Range } from "../../shared/normalize";
import { percentileRange } from "../../shared/percentiles";
import type { Preprocessing } from "../image/preprocess";
import { LayerRanges, packChannel, packLayer } from "./layerTiles";
import type { ActivationSource } from "./sources";
import { type Activation, type ActivationSummary, firstBatch, summarize } from "./stats";

interface Description {
  readonly summary: ActivationSummary;
  readonly ranges: LayerRanges;
}

/** One image through one model: its layers, with statistics made on first use. */
export class Analysis {
  /** Only while every layer is held: a description keeps its layer's values alive. */
  private readonly descriptions = new Map<string, Description>();
  /** By clip percent: the range of every layer's values. */
  private readonly globals = new Map<number, Range>();

  constructor(
    readonly model: ModelView,
    readonly image: ImageView | undefined,
    private readonly source: ActivationSource,
    readonly preprocessing: Preprocessing,
    /** The exact float tensor fed to the model. */
    readonly input: Float32Array,
  ) {}

  /** Bytes this analysis holds while it is cached. */
  get bytes(): number {
    return this.source.bytes;
  }

  /** The id of the layer a user's id or tensor name names; LAYER_UNKNOWN, with close matches, when none. */
  layerId(wanted: string): string {
    const layer = findLayer(this.model.layers, wanted);
    if (!layer) throw new FeatureMapsError("LAYER_UNKNOWN", unknownLayerMessage(wanted, this.model.label, this.model.layers.map((l) => l.id)));
    return layer.id;
  }

  async activation(layer: string, signal?: AbortSignal): Promise<Activation> {
    return this.source.get(this.layerId(layer), signal);
  }

  async summary(layer: string, signal?: AbortSignal): Promise<ActivationSummary> {
    return (await this.described(layer, signal)).description.summary;
  }

  private async described(layer: string, signal?: AbortSignal): Promise<{ readonly activation: Activation; readonly description: Description }> {
    const id = this.layerId(layer);
    const activation = await this.source.get(id, signal);
    let description = this.descriptions.get(id);
    if (!description) {
      const summary = summarize(activation);
      description = { summary, ranges: new LayerRanges(activation, summary) };
      if (this.source.all) this.descriptions.set(id, description);
    }
    return { activation, description };
  }

  async layer(request: LayerRequest, signal?: AbortSignal): Promise<LayerReply> {
    const { activation, description } = await this.described(request.layer, signal);
    const global = request.normalize === "global" ? await this.globalRange(request.clipPercent, signal) : undefined;
    return packLayer(activation, description.summary, description.ranges, request, global);
  }

  async channel(layer: string, channel: number, signal?: AbortSignal): Promise<ChannelReply> {
    const { activation, description } = await this.described(layer, signal);
    return packChannel(layer, activation, description.summary, channel);
  }

  private async globalRange(clip: number, signal?: AbortSignal): Promise<Range> {
    if (!this.source.all) {
      throw new FeatureMapsError("OUT_OF_BUDGET", `global normalisation compares every layer, and ${this.model.label} computes one layer at a time at this size to stay within the memory budget; use layer or channel normalisation`);
    }
    let range = this.globals.get(clip);
    if (!range) {
      const values = (await this.source.all(signal)).map(firstBatch);
      if (clip > 0) {
        range = percentileRange(values, clip);
      } else {
        // A layer without a finite value has no range to add.
        const ranges = values.map(finiteRange).filter((r) => r !== undefined);
        range = ranges.length > 0 ? { low: Math.min(...ranges.map((r) => r.low)), high: Math.max(...ranges.map((r) => r.high)) } : { low: 0, high: 0 };
      }
      this.globals.set(clip, range);
    }
    return range;
  }
}
