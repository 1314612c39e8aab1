import type { FeatureMapsEngine } from "../engine/engine";
import { outputTarget, writeOutputFile } from "../engine/formats/output";
import { scanCsv, scanJson } from "../engine/scan/export";
import { SCAN_LIMITS, type ScanResult } from "../shared/scan";
import { wholeNumber } from "./explain";
import { loadConfig, modelSource, preprocessingOverrides, UsageError, type Values } from "./modelOptions";

// `feature-maps scan DIR`: every image under a folder through one layer, as the extension's
// Scan Folder command runs it; the result as stable JSON (stdout or --out), optionally CSV.

export const SCAN_OPTIONS = {
  csv: { type: "string" },
  "max-images": { type: "string" },
  batch: { type: "string" },
} as const;

function bounded(values: Values, name: string, [low, high]: readonly [number, number], fallback: number): number {
  const n = wholeNumber(values, name, low) ?? fallback;
  if (n > high) throw new UsageError(`--${name} takes a whole number from ${low} to ${high}, got ${n}`);
  return n;
}

/** A progress line at most every `ms` on stderr, and the last one always. */
function progressLine(ms = 1000): (done: number, total: number) => void {
  const start = performance.now();
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done === 0 || (done < total && now - last < ms)) return;
    last = now;
    const rate = done / Math.max((now - start) / 1000, 1e-3);
    process.stderr.write(`scan: ${done}/${total} images, ${rate.toFixed(1)}/s\n`);
  };
}

function summary(result: ScanResult): string {
  const failed = result.failed.map((f) => `  ${f.path}: ${f.message} [${f.code}]`);
  return [`${result.layer} of ${result.model}: ${result.scanned} images scanned, ${result.failed.length} failed, ${result.deadChannels.length} of ${result.channels.length} channels dead`, ...failed].join("\n");
}

export async function scanCommand(values: Values, rest: readonly string[], engine: FeatureMapsEngine): Promise<void> {
  if (typeof values["input-npy"] === "string") throw new UsageError("scan reads the images of a folder; --input-npy is for one input");
  const folders = rest.filter((a) => !a.toLowerCase().endsWith(".onnx"));
  if (folders.length !== 1) throw new UsageError("scan takes one folder: feature-maps scan DIR --layer ID");
  const layer = values.layer;
  if (typeof layer !== "string" || layer === "") throw new UsageError("--layer is required");
  const out = typeof values.out === "string" ? values.out : undefined;
  const csv = typeof values.csv === "string" ? values.csv : undefined;
  for (const file of [out, csv]) if (file !== undefined) await outputTarget(file);
  const config = typeof values.config === "string" ? await loadConfig(values.config) : undefined;
  const model = modelSource(values, rest.find((a) => a.toLowerCase().endsWith(".onnx")), config);
  const result = await engine.scan(
    {
      folder: folders[0],
      model,
      preprocessing: { ...config?.preprocessing, ...preprocessingOverrides(values) },
      layer,
      top: bounded(values, "top", SCAN_LIMITS.top, SCAN_LIMITS.defaultTop),
      maxImages: bounded(values, "max-images", SCAN_LIMITS.maxImages, SCAN_LIMITS.defaultMaxImages),
      batch: bounded(values, "batch", SCAN_LIMITS.batch, SCAN_LIMITS.defaultBatch),
    },
    { progress: progressLine() },
  );
  const json = scanJson(result);
  if (out) await writeOutputFile(out, new TextEncoder().encode(json));
  else process.stdout.write(json);
  if (csv) await writeOutputFile(csv, new TextEncoder().encode(scanCsv(result)));
  process.stderr.write(`${summary(result)}${out ? ` -> ${out}` : ""}${csv ? ` (CSV: ${csv})` : ""}\n`);
}
