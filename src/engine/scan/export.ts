import { FeatureMapsError } from "../../shared/errors";
import { SCAN_SCHEMA, type ScanResult } from "../../shared/scan";

/**
 * A scan as JSON: keys in the order the result is built in, paths relative to the folder, no
 * timings, so the same folder, model and layer give the same bytes.
 */
export function scanJson(result: ScanResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** A scan read back (the host's cache): refused unless it is one of this schema. */
export function parseScanJson(text: string, name: string): ScanResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FeatureMapsError("INPUT_INVALID", `${name} is not JSON`);
  }
  const r = value as Partial<ScanResult> | null;
  if (r?.schema !== SCAN_SCHEMA || !Array.isArray(r.channels) || !Array.isArray(r.failed)) throw new FeatureMapsError("INPUT_INVALID", `${name} is not a ${SCAN_SCHEMA} result`);
  return r as ScanResult;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = "channel,channel_mean,channel_max,dead,ranking,rank,path,value";

/**
 * A scan as CSV, one row per channel, ranking and rank: each channel's best images by mean and
 * by max with the channel's own figures repeated, so a spreadsheet filters and sorts it as it
 * is. Failed images are in the JSON only.
 */
export function scanCsv(result: ScanResult): string {
  const rows = [CSV_HEADER];
  for (const c of result.channels) {
    const head = `${c.channel},${c.mean ?? ""},${c.max ?? ""},${c.dead}`;
    for (const [ranking, hits] of [["mean", c.topByMean], ["max", c.topByMax]] as const) {
      hits.forEach((h, i) => rows.push(`${head},${ranking},${i + 1},${csvField(h.path)},${h.value}`));
    }
  }
  return `${rows.join("\n")}\n`;
}
