import { CHANNEL_ORDERS, COMPARE_EXPORT_KINDS, COMPARE_RANGES, EXPLAIN_METHODS, EXPORT_KINDS, GRID_VIEWS, MAX_CLIP_PERCENT, NAV_ACTIONS, oneOf, OVERLAY_COLORMAPS, SCORE_REDUCTIONS } from "../shared/choices";
import type { ExplainParams } from "../shared/explain";
import { isColormapName } from "../shared/colormaps";
import { NORMALIZE_MODES } from "../shared/normalize";
import { type HostMethods, type LayerRequest, MAX_TILES_PER_REQUEST, type OverlaySnapshot, type Picture, type Snapshot, type ToHost, type WebviewMethods } from "../shared/protocol";
import type { Checks } from "../shared/rpc";
import { type CompareHostMethods, type CompareSnapshot, type CompareWebviewMethods, MAX_COMPARE_CHANNELS } from "../shared/compare";

// Everything a webview says is checked before it reaches the engine: a webview is a web page, and
// a bad message must produce an error reply, never an exception in the extension host.

const MAX_INDEX = 1 << 24;
/** The largest snapshot side: a canvas is limited to about this much in every browser. */
const MAX_PICTURE_SIDE = 1 << 15;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

function isLayerId(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 1024;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
}

function isChannelList(v: unknown, max = MAX_TILES_PER_REQUEST): v is number[] {
  return Array.isArray(v) && v.length <= max && v.every((c) => isInt(c, 0, MAX_INDEX));
}

function layerRequest(v: unknown): LayerRequest | undefined {
  const r = record(v);
  if (!r) return undefined;
  const ok =
    isLayerId(r.layer) &&
    isInt(r.start, 0, MAX_INDEX) &&
    isInt(r.count, 1, MAX_TILES_PER_REQUEST) &&
    (r.channels === undefined || isChannelList(r.channels)) &&
    oneOf(CHANNEL_ORDERS, r.order) &&
    oneOf(NORMALIZE_MODES, r.normalize) &&
    typeof r.clipPercent === "number" &&
    r.clipPercent >= 0 &&
    r.clipPercent < MAX_CLIP_PERCENT;
  if (!ok) return undefined;
  return {
    layer: r.layer as string,
    start: r.start as number,
    count: r.count as number,
    channels: r.channels as number[] | undefined,
    order: r.order as LayerRequest["order"],
    normalize: r.normalize as LayerRequest["normalize"],
    clipPercent: r.clipPercent as number,
  };
}

/** The largest occlusion window or stride: no image side the engine decodes is longer. */
const MAX_WINDOW = 1 << 16;

function explainParams(v: unknown): ExplainParams | undefined {
  const p = record(v);
  if (!p) return undefined;
  const ok =
    oneOf(EXPLAIN_METHODS, p.method) &&
    oneOf(SCORE_REDUCTIONS, p.reduce) &&
    (p.layer === undefined || isLayerId(p.layer)) &&
    (p.output === undefined || isLayerId(p.output)) &&
    (p.classIndex === undefined || isInt(p.classIndex, 0, MAX_INDEX)) &&
    (p.topChannels === undefined || isInt(p.topChannels, 1, MAX_INDEX)) &&
    isInt(p.window, 1, MAX_WINDOW) &&
    isInt(p.stride, 1, MAX_WINDOW) &&
    typeof p.baseline === "number" &&
    Number.isFinite(p.baseline);
  if (!ok) return undefined;
  const optional = <K extends "layer" | "output" | "classIndex" | "topChannels">(k: K): Partial<Pick<ExplainParams, K>> =>
    p[k] === undefined ? {} : ({ [k]: p[k] } as Partial<Pick<ExplainParams, K>>);
  return {
    method: p.method as ExplainParams["method"],
    reduce: p.reduce as ExplainParams["reduce"],
    window: p.window as number,
    stride: p.stride as number,
    baseline: p.baseline as number,
    ...optional("layer"),
    ...optional("output"),
    ...optional("classIndex"),
    ...optional("topChannels"),
  };
}

/** The params of each request a webview may make, or undefined when malformed. */
export const HOST_PARAMS: Checks<HostMethods, "params"> = {
  layer(v) {
    const p = record(v);
    const request = layerRequest(p?.request);
    return request && typeof p?.shown === "boolean" ? { request, shown: p.shown } : undefined;
  },
  channel(v) {
    const p = record(v);
    return p && isLayerId(p.layer) && isInt(p.channel, 0, MAX_INDEX) ? { layer: p.layer, channel: p.channel } : undefined;
  },
  export(v) {
    const p = record(v);
    return p && oneOf(EXPORT_KINDS, p.kind) && isLayerId(p.layer) ? { kind: p.kind, layer: p.layer } : undefined;
  },
  explain(v) {
    const explain = explainParams(record(v)?.explain);
    return explain && { explain };
  },
  exportExplain(v) {
    const p = record(v);
    return p && oneOf(EXPORT_KINDS, p.kind) && oneOf(EXPLAIN_METHODS, p.method) ? { kind: p.kind, method: p.method } : undefined;
  },
};

function isPicture(v: unknown): v is Picture {
  const p = record(v);
  return !!p && isInt(p.width, 0, MAX_PICTURE_SIDE) && isInt(p.height, 0, MAX_PICTURE_SIDE) && p.rgba instanceof Uint8ClampedArray && p.rgba.length === p.width * p.height * 4;
}

/** A snapshot whose pixels are exactly width x height x 4 bytes, and whose layout describes them. */
function snapshot(v: unknown): Snapshot | undefined {
  const s = record(v);
  const picture = record(s?.picture);
  const layout = record(s?.layout);
  if (!picture || !layout) return undefined;
  const pictureOk = isPicture(picture);
  const layoutOk =
    typeof layout.layer === "string" &&
    isChannelList(layout.channels, MAX_INDEX) &&
    isInt(layout.columns, 1, MAX_INDEX) &&
    isInt(layout.tileWidth, 0, MAX_PICTURE_SIDE) &&
    isInt(layout.tileHeight, 0, MAX_PICTURE_SIDE) &&
    isInt(layout.gap, 0, MAX_PICTURE_SIDE) &&
    isColormapName(layout.colormap);
  return pictureOk && layoutOk ? (v as Snapshot) : undefined;
}

/** An overlay whose pixels and map are exactly the sizes they claim: the host writes them to files. */
function overlay(v: unknown): OverlaySnapshot | undefined {
  const o = record(v);
  if (!o) return undefined;
  const ok =
    isPicture(o.picture) &&
    oneOf(EXPLAIN_METHODS, o.method) &&
    (o.layer === undefined || isLayerId(o.layer)) &&
    isInt(o.classIndex, 0, MAX_INDEX) &&
    typeof o.opacity === "number" &&
    o.opacity >= 0 &&
    o.opacity <= 1 &&
    oneOf(OVERLAY_COLORMAPS, o.colormap) &&
    isInt(o.height, 1, MAX_PICTURE_SIDE) &&
    isInt(o.width, 1, MAX_PICTURE_SIDE) &&
    o.map instanceof Float32Array &&
    o.map.length === o.height * o.width;
  return ok ? (v as OverlaySnapshot) : undefined;
}

export const WEBVIEW_RESULTS: Checks<WebviewMethods, "result"> = { snapshot, overlay };

/** A notice if it is well-formed, else a reason. */
export function validateNotice(raw: unknown): { notice: ToHost } | { error: string } {
  const m = record(raw);
  if (!m) return { error: "message is not an object" };
  switch (m.type) {
    case "ready":
    case "openSettings":
    case "retry":
    case "hintAction":
      return { notice: { type: m.type } };
    case "painted":
      return isLayerId(m.layer) && Array.isArray(m.channels) && isInt(m.tiles, 0, MAX_INDEX) && oneOf(GRID_VIEWS, m.view)
        ? { notice: { type: "painted", layer: m.layer, channels: m.channels.filter((c) => isInt(c, 0, MAX_INDEX)), tiles: m.tiles, view: m.view } }
        : { error: "malformed painted notice" };
    case "navigate":
      return oneOf(NAV_ACTIONS, m.action) ? { notice: { type: "navigate", action: m.action } } : { error: "malformed navigate notice" };
    case "explained":
      return oneOf(EXPLAIN_METHODS, m.method) &&
        (m.layer === undefined || isLayerId(m.layer)) &&
        isInt(m.classIndex, 0, MAX_INDEX) &&
        typeof m.opacity === "number" &&
        oneOf(OVERLAY_COLORMAPS, m.colormap)
        ? { notice: { type: "explained", method: m.method, layer: m.layer, classIndex: m.classIndex, opacity: m.opacity, colormap: m.colormap } }
        : { error: "malformed explained notice" };
    default:
      return { error: `unknown message type ${String(m.type)}` };
  }
}

/** The params of each request the compare webview may make. */
export const COMPARE_PARAMS: Checks<CompareHostMethods, "params"> = {
  open: (v) => (record(v) ? {} : undefined),
  compare(v) {
    const r = record(record(v)?.request);
    const ok = !!r && isLayerId(r.layer) && isInt(r.start, 0, MAX_INDEX) && isInt(r.count, 1, MAX_COMPARE_CHANNELS) && oneOf(COMPARE_RANGES, r.range);
    return ok ? { request: { layer: r.layer as string, start: r.start as number, count: r.count as number, range: r.range as CompareSnapshot["range"] } } : undefined;
  },
  exportCompare(v) {
    const p = record(v);
    return p && oneOf(COMPARE_EXPORT_KINDS, p.kind) && isLayerId(p.layer) ? { kind: p.kind, layer: p.layer } : undefined;
  },
};

function isNumberList(v: unknown, length: number): boolean {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === "number");
}

/** A compare snapshot whose pixels are exactly their size and whose rows each have a channel and its ranges. */
function compareSnapshot(v: unknown): CompareSnapshot | undefined {
  const s = record(v);
  if (!s || !isPicture(s.picture) || !isChannelList(s.channels, MAX_COMPARE_CHANNELS)) return undefined;
  const rows = (s.channels as number[]).length;
  const ok =
    typeof s.layer === "string" &&
    oneOf(COMPARE_RANGES, s.range) &&
    isInt(s.tileWidth, 0, MAX_PICTURE_SIDE) &&
    isInt(s.tileHeight, 0, MAX_PICTURE_SIDE) &&
    isInt(s.gap, 0, MAX_PICTURE_SIDE) &&
    isColormapName(s.colormap) &&
    isColormapName(s.diffColormap) &&
    isNumberList(s.low, rows) &&
    isNumberList(s.high, rows) &&
    isNumberList(s.limit, rows);
  return ok ? (v as CompareSnapshot) : undefined;
}

export const COMPARE_RESULTS: Checks<CompareWebviewMethods, "result"> = { snapshot: compareSnapshot, show: compareSnapshot };
