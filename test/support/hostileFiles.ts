import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { FeatureMapsError } from "../../src/shared/errors";
import type { BoundedRun } from "./bounded";

// What an attacker leaves in a workspace: pipes, links to devices, files whose headers lie.

export function mkfifo(file: string): void {
  execFileSync("mkfifo", [file]);
}

/** A safetensors file with exactly this header (any JSON, unpadded) and body. */
export function rawSafetensors(header: unknown, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(body, 8 + json.byteLength);
  return out;
}

export interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** A safetensors file of tensors of any dtype, laid out one after the other. */
export function mixedSafetensors(tensors: ReadonlyMap<string, RawTensor>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [key, t] of tensors) {
    header[key] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const body = new Uint8Array(offset);
  let at = 0;
  for (const t of tensors.values()) {
    body.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return rawSafetensors(header, body);
}

/** A config nested `depth` levels inside its "display" entry. */
export function deeplyNested(depth: number): string {
  return `{"model": {"onnx": "m.onnx"}, "display": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

// A CLI run ends well inside these whatever it is given: a run of the built-in model takes about
// 2 s and 250 MB here, and reading a device until stopped would take gigabytes.
export const CLI_TIME_MS = 30_000;
export const CLI_PEAK_MB = 450;

/** The CLI refused its input: exit code 1 within bounds, one error line with `code`, naming what `names` match. */
export function assertRefused(run: BoundedRun, code: string, ...names: RegExp[]): void {
  const what = `stderr: ${run.stderr}`;
  assert.equal(run.timedOut, false, `ended within the time bound; ${what}`);
  assert.equal(run.code, 1, what);
  assert.ok(run.peakMB < CLI_PEAK_MB, `peak ${run.peakMB.toFixed(0)} MB; ${what}`);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, new RegExp(`\\[${code}\\]\\n$`), what);
  assert.doesNotMatch(run.stderr, /\n\s+at /, `no stack trace; ${what}`);
  for (const name of names) assert.match(run.stderr, name, what);
}

/** For assert.rejects: a FeatureMapsError with this code whose message matches every pattern. */
export function refusedWith(code: string, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof FeatureMapsError, `a FeatureMapsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** Rejects when `work` has not settled within `ms`: a hang is a failure, not a stuck test run. */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
