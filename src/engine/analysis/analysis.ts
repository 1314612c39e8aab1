import type { ChannelReply, ImageView, LayerReply, LayerRequest, ModelView } from "../../shared/protocol";
import { FeatureMapsError } from "../../shared/errors";
import { finiteRange, type Range } from "../../shared/normalize";
import { percentileRange } from "../../shared/percentiles";
import type { Preprocessing } from "../image/preprocess";
import type { RunResult } from "../run/inference";
import { LayerRanges, packChannel, packLayer } from "./layerTiles";
import { type Activation, type ActivationSummary, firstBatch, summarize } from "./stats";

/** One image through one model: every layer, with statistics made on first use. */
export class Analysis {
  private readonly descriptions = new Map<string, { readonly summary: ActivationSummary; readonly ranges: LayerRanges }>();
  /** By clip percent: the range of every layer's values. */
  private readonly globals = new Map<number, Range>();

  constructor(
    readonly model: ModelView,
    readonly image: ImageView | undefined,
    readonly result: RunResult,
    readonly preprocessing: Preprocessing,
    /** The exact float tensor fed to the model. */
    readonly input: Float32Array,
  ) {}

  activation(layer: string): Activation {
    const a = this.result.activations.get(layer);
    if (!a) {
      const ids = this.result.layers.map((l) => l.id);
      const shown = ids.length > 60 ? `${ids.slice(0, 60).join(", ")}, ...` : ids.join(", ");
      throw new FeatureMapsError("LAYER_UNKNOWN", `no layer "${layer}" in ${this.model.label}; layers are: ${shown}`);
    }
    return a;
  }

  summary(layer: string): ActivationSummary {
    return this.described(layer).summary;
  }

  private described(layer: string): { readonly summary: ActivationSummary; readonly ranges: LayerRanges } {
    let d = this.descriptions.get(layer);
    if (!d) {
      const activation = this.activation(layer);
      const summary = summarize(activation);
      d = { summary, ranges: new LayerRanges(activation, summary) };
      this.descriptions.set(layer, d);
    }
    return d;
  }

  layer(request: LayerRequest): LayerReply {
    const { summary, ranges } = this.described(request.layer);
    return packLayer(this.activation(request.layer), summary, ranges, request, (clip) => this.globalRange(clip));
  }

  channel(layer: string, channel: number): ChannelReply {
    return packChannel(layer, this.activation(layer), this.summary(layer), channel);
  }

  private globalRange(clip: number): Range {
    let range = this.globals.get(clip);
    if (!range) {
      const values = this.result.layers.map((l) => firstBatch(this.activation(l.id)));
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
