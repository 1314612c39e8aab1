import { resizeMap } from "../../shared/camImage";
import type { CompareRange } from "../../shared/choices";
import { type Comparable, comparePage, type CompareReply, type CompareRequest, type SideSummary } from "../../shared/compare";
import { nonFiniteMask } from "../../shared/nonFinite";
import { FeatureMapsError } from "../../shared/errors";
import { finiteRange, type Range, toBytes } from "../../shared/normalize";
import { type Activation, firstBatch, geometry, statsOf } from "../analysis/stats";
import { similarity, similarityOrder } from "./similarity";

/**
 * A and B of one layer made comparable: batch 0 of each, B resized to A's map size when the
 * sizes differ, and A - B; no maps at all when the channel counts differ.
 */
export interface PairedLayer {
  readonly comparable: Comparable;
  readonly note?: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** float32 A - B, value by value; empty when only statistics compare. */
  readonly diff: Float32Array;
  readonly summaryA: SideSummary;
  readonly summaryB: SideSummary;
}

function summary(a: Activation): SideSummary {
  const s = statsOf(firstBatch(a));
  return { shape: a.shape, min: s.min, max: s.max, mean: s.mean, std: s.std };
}

function shapeText(g: { channels: number; height: number; width: number }): string {
  return `${g.channels}x${g.height}x${g.width}`;
}

export function pairLayer(a: Activation, b: Activation): PairedLayer {
  const ga = geometry(a.shape);
  const gb = geometry(b.shape);
  const sides = { summaryA: summary(a), summaryB: summary(b) };
  const valuesA = firstBatch(a);
  if (ga.channels !== gb.channels) {
    return {
      comparable: "statistics",
      note: `A is ${shapeText(ga)} and B ${shapeText(gb)}: their channels do not pair up, so only their statistics compare`,
      channels: 0,
      height: ga.height,
      width: ga.width,
      a: valuesA,
      b: firstBatch(b),
      diff: new Float32Array(0),
      ...sides,
    };
  }
  const resized = ga.height !== gb.height || ga.width !== gb.width;
  let valuesB = firstBatch(b);
  if (resized) {
    const size = ga.height * ga.width;
    const out = new Float32Array(ga.channels * size);
    for (let c = 0; c < ga.channels; c++) {
      const map = valuesB.subarray(c * gb.height * gb.width, (c + 1) * gb.height * gb.width);
      out.set(resizeMap(map, gb.height, gb.width, ga.height, ga.width, false), c * size);
    }
    valuesB = out;
  }
  const diff = new Float32Array(valuesA.length);
  for (let i = 0; i < diff.length; i++) diff[i] = valuesA[i] - valuesB[i];
  return {
    comparable: resized ? "resized" : "maps",
    note: resized ? `A's maps are ${ga.height}x${ga.width} and B's ${gb.height}x${gb.width}: B is resized to A's size (bilinear, as torch's interpolate with align_corners=False)` : undefined,
    channels: ga.channels,
    height: ga.height,
    width: ga.width,
    a: valuesA,
    b: valuesB,
    diff,
    ...sides,
  };
}

function union(x: Range | undefined, y: Range | undefined): Range {
  if (!x) return y ?? { low: 0, high: 0 };
  if (!y) return x;
  return { low: Math.min(x.low, y.low), high: Math.max(x.high, y.high) };
}

function absLimit(values: Float32Array): number {
  const r = finiteRange(values);
  return r ? Math.max(Math.abs(r.low), Math.abs(r.high)) : 0;
}

/** The range A and B share for channel c, and the symmetric limit of A - B. */
function ranges(p: PairedLayer, c: number, mode: CompareRange, layerRange: () => { range: Range; limit: number }): { range: Range; limit: number } {
  if (mode === "layer") return layerRange();
  const size = p.height * p.width;
  const part = (v: Float32Array): Float32Array => v.subarray(c * size, (c + 1) * size);
  return { range: union(finiteRange(part(p.a)), finiteRange(part(p.b))), limit: absLimit(part(p.diff)) };
}

/** Cosine and correlation of every channel, and the order they sort channels in. */
export function channelSimilarities(p: PairedLayer): { cosine: Float64Array; correlation: Float64Array; order: Int32Array } {
  const size = p.height * p.width;
  const cosine = new Float64Array(p.channels);
  const correlation = new Float64Array(p.channels);
  for (let c = 0; c < p.channels; c++) {
    const s = similarity(p.a.subarray(c * size, (c + 1) * size), p.b.subarray(c * size, (c + 1) * size));
    cosine[c] = s.cosine;
    correlation[c] = s.correlation;
  }
  return { cosine, correlation, order: similarityOrder(cosine) };
}

/** The reply for a page of channels in similarity order: A, B and A - B as 8-bit tiles. */
export function compareReply(layer: string, p: PairedLayer, request: CompareRequest): CompareReply {
  if (request.start > p.channels && p.channels > 0) {
    throw new FeatureMapsError("BAD_REQUEST", `${layer} has ${p.channels} channels; position ${request.start} is past them`);
  }
  const { cosine, correlation, order } = channelSimilarities(p);
  const shown = order.slice(request.start, request.start + comparePage(request.count, p.height, p.width));
  const size = p.height * p.width;
  const tilesA = new Uint8Array(shown.length * size);
  const tilesB = new Uint8Array(shown.length * size);
  const tilesDiff = new Uint8Array(shown.length * size);
  const low = new Float32Array(shown.length);
  const high = new Float32Array(shown.length);
  const limit = new Float32Array(shown.length);
  let whole: { range: Range; limit: number } | undefined;
  const layerRange = (): { range: Range; limit: number } => (whole ??= { range: union(finiteRange(p.a), finiteRange(p.b)), limit: absLimit(p.diff) });
  shown.forEach((c, i) => {
    const r = ranges(p, c, request.range, layerRange);
    const at = (v: Float32Array): Float32Array => v.subarray(c * size, (c + 1) * size);
    const out = (tiles: Uint8Array): Uint8Array => tiles.subarray(i * size, (i + 1) * size);
    toBytes(at(p.a), r.range, out(tilesA));
    toBytes(at(p.b), r.range, out(tilesB));
    toBytes(at(p.diff), { low: -r.limit, high: r.limit }, out(tilesDiff));
    low[i] = r.range.low;
    high[i] = r.range.high;
    limit[i] = r.limit;
  });
  const masks = nonFiniteMasks(p, shown);
  return {
    layer,
    comparable: p.comparable,
    ...(p.note ? { note: p.note } : {}),
    a: p.summaryA,
    b: p.summaryB,
    totalChannels: p.channels,
    height: p.height,
    width: p.width,
    cosine,
    correlation,
    order,
    channels: shown,
    tilesA,
    tilesB,
    tilesDiff,
    low,
    high,
    limit,
    ...(masks ? { masks } : {}),
  };
}

/** The masks of the shown maps of A, B and A - B, or undefined when every value is finite. */
function nonFiniteMasks(p: PairedLayer, shown: Int32Array): CompareReply["masks"] {
  const size = p.height * p.width;
  const mask = (values: Float32Array): Uint8Array => {
    const out = new Uint8Array(shown.length * size);
    shown.forEach((c, i) => nonFiniteMask(values.subarray(c * size, (c + 1) * size), out.subarray(i * size, (i + 1) * size)));
    return out;
  };
  const masks = { a: mask(p.a), b: mask(p.b), diff: mask(p.diff) };
  return masks.a.some((m) => m !== 0) || masks.b.some((m) => m !== 0) || masks.diff.some((m) => m !== 0) ? masks : undefined;
}
