import { NORMALIZE_MODES } from "../shared/normalize";
import { type LayerRequest, MAX_TILES_PER_REQUEST, type ToHost } from "../shared/protocol";

// Everything a webview says is checked before it reaches the engine: a webview is a web page, and
// a bad message must produce an error reply, never an exception in the extension host.

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

function isLayerId(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 1024;
}

function layerRequest(v: unknown): LayerRequest | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const channelsOk =
    r.channels === undefined ||
    (Array.isArray(r.channels) && r.channels.length <= MAX_TILES_PER_REQUEST && r.channels.every((c) => isInt(c, 0, 1 << 24)));
  const ok =
    isLayerId(r.layer) &&
    isInt(r.start, 0, 1 << 24) &&
    isInt(r.count, 1, MAX_TILES_PER_REQUEST) &&
    channelsOk &&
    (r.order === "index" || r.order === "mean" || r.order === "max") &&
    (NORMALIZE_MODES as readonly unknown[]).includes(r.normalize) &&
    typeof r.clipPercent === "number" &&
    r.clipPercent >= 0 &&
    r.clipPercent < 50;
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

/** The message if it is well-formed, else a reason; ids are checked so an error can be replied. */
export function validateMessage(raw: unknown): { message: ToHost } | { error: string; id?: number } {
  if (typeof raw !== "object" || raw === null) return { error: "message is not an object" };
  const m = raw as Record<string, unknown>;
  const id = isInt(m.id, 0, Number.MAX_SAFE_INTEGER) ? m.id : undefined;
  switch (m.type) {
    case "ready":
    case "openSettings":
    case "retry":
    case "hintAction":
      return { message: { type: m.type } };
    case "cancel":
      return id === undefined ? { error: "cancel needs an id" } : { message: { type: "cancel", id } };
    case "getLayer": {
      const request = layerRequest(m.request);
      if (id === undefined) return { error: "getLayer needs an id" };
      return request && typeof m.shown === "boolean" ? { message: { type: "getLayer", id, request, shown: m.shown } } : { error: "malformed layer request", id };
    }
    case "getChannel":
      if (id === undefined) return { error: "getChannel needs an id" };
      return isLayerId(m.layer) && isInt(m.channel, 0, 1 << 24)
        ? { message: { type: "getChannel", id, layer: m.layer, channel: m.channel } }
        : { error: "malformed channel request", id };
    case "export":
      if (id === undefined) return { error: "export needs an id" };
      return (m.kind === "png" || m.kind === "npy") && isLayerId(m.layer)
        ? { message: { type: "export", id, kind: m.kind, layer: m.layer } }
        : { error: "malformed export request", id };
    case "painted":
      return isLayerId(m.layer) && Array.isArray(m.channels) && isInt(m.tiles, 0, 1 << 24) && (m.view === "notebook" || m.view === "all")
        ? { message: { type: "painted", layer: m.layer, channels: m.channels.filter((c) => isInt(c, 0, 1 << 24)), tiles: m.tiles, view: m.view } }
        : { error: "malformed painted notice" };
    case "snapshot": {
      const p = m.picture as Record<string, unknown> | undefined;
      const ok = id !== undefined && p && isInt(p.width, 0, 1 << 15) && isInt(p.height, 0, 1 << 15) && p.rgba instanceof Uint8ClampedArray;
      return ok ? { message: raw as ToHost } : { error: "malformed snapshot" };
    }
    default:
      return { error: `unknown message type ${String(m.type)}` };
  }
}
