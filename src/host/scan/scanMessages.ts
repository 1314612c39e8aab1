import { oneOf, SCAN_EXPORTS } from "../../shared/choices";
import type { ScanFromView, ScanViewReport } from "../../shared/scan";

// A webview is a web page: every message from the scan view is checked before the host acts on it.

const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

function isReport(v: unknown): v is ScanViewReport {
  const r = v as Partial<ScanViewReport> | null;
  return typeof r === "object" && r !== null && Number.isInteger(r.channel) && isStrings(r.topByMean) && isStrings(r.topByMax) && isIndex(r.painted) && isStrings(r.failed) && isIndex(r.bars) && Array.isArray(r.dead) && r.dead.every(isIndex);
}

export function scanMessage(message: unknown): ScanFromView | undefined {
  const m = message as Record<string, unknown> | null;
  if (typeof m !== "object" || m === null) return undefined;
  switch (m.type) {
    case "ready":
      return { type: "ready" };
    case "scanThumbnails":
      return isIndex(m.channel) ? { type: "scanThumbnails", channel: m.channel } : undefined;
    case "scanOpen":
      return typeof m.path === "string" && isIndex(m.channel) ? { type: "scanOpen", path: m.path, channel: m.channel } : undefined;
    case "scanExport":
      return oneOf(SCAN_EXPORTS, m.format) ? { type: "scanExport", format: m.format } : undefined;
    case "scanReport":
      return isIndex(m.id) && isReport(m.report) ? { type: "scanReport", id: m.id, report: m.report } : undefined;
    default:
      return undefined;
  }
}
