import type { NormalizeMode } from "./normalize";
import { notebookChannels } from "./presets";
import type { LayerInfo, LayerRequest } from "./protocol";
import { geometry } from "./geometry";
import { findLayer } from "./layerIds";

/**
 * The layer a view opens on: what it asked for if the model has it, else the first pinned, features.0, or the first layer.
 * Pinned layers may be named by id or ONNX tensor name.
 */
export function openingLayer(layers: readonly LayerInfo[], pinned: readonly string[], ...wanted: (string | undefined)[]): LayerInfo | undefined {
  for (const id of [...wanted, ...pinned, "features.0"]) {
    const layer = id === undefined ? undefined : findLayer(layers, id);
    if (layer) return layer;
  }
  return layers[0];
}

/**
 * What a view that has not asked for anything yet will ask for first: its opening layer as the
 * reference notebook's figure, unclipped. The host sends these tiles with the result instead of waiting for
 * the request; a view that asks for something else simply asks.
 */
export function openingRequest(layers: readonly LayerInfo[], pinned: readonly string[], normalize: NormalizeMode): LayerRequest | undefined {
  const layer = openingLayer(layers, pinned);
  if (!layer) return undefined;
  const channels = notebookChannels(geometry(layer.shape).channels);
  return { layer: layer.id, start: 0, count: channels.length, channels, order: "index", normalize, clipPercent: 0 };
}

export function sameLayerRequest(a: LayerRequest, b: LayerRequest): boolean {
  const sameChannels = a.channels === undefined || b.channels === undefined ? a.channels === b.channels : a.channels.length === b.channels.length && a.channels.every((c, i) => c === b.channels?.[i]);
  return a.layer === b.layer && a.start === b.start && a.count === b.count && sameChannels && a.order === b.order && a.normalize === b.normalize && a.clipPercent === b.clipPercent;
}
