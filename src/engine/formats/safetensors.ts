import * as path from "path";
import type { Tensor } from "../model/weights";
import { FeatureMapsError } from "../../shared/errors";
import { readRegularFile, withRegularFile } from "./files";
import { dataView, DTYPE_WIDTHS as WIDTHS, type FloatDtype, floatElement, isFloatDtype, TENSOR_DTYPES, type TensorDtype } from "./dtypes";

// The safetensors layout: u64 little-endian header length, a JSON header mapping names to
// {dtype, shape, data_offsets} relative to the end of the header, then the raw bytes. The header
// is checked whole before any tensor is read: a file is a user's, and may be hostile.

export const SAFETENSORS_DTYPES = TENSOR_DTYPES;
export type SafetensorsDtype = TensorDtype;

// A state_dict header takes about 100 bytes a tensor, so this holds well over 100,000 tensors,
// while the editor's diagnostics, which read only the header, read a few MB at most.
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte range in the data section, which starts after the header. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Where the data section starts in the file. */
  readonly dataStart: number;
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
}

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A JSON value as a message can show it: short, whatever its size. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function jsonType(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

class Checker {
  constructor(private readonly fileName: string) {}

  fail(why: string): never {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${this.fileName}: not a readable safetensors file: ${why}`);
  }

  failKey(key: string, why: string): never {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${this.fileName}: ${key}: ${why}`);
  }

  /** The header's length from the file's first 8 bytes; the header must fit in the file. */
  headerLength(first: Uint8Array, fileSize: number): number {
    if (fileSize < 8) this.fail("shorter than its 8-byte header length");
    const length = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
    if (length > BigInt(MAX_HEADER_BYTES)) this.fail(`header length ${length} is more than the ${MAX_HEADER_BYTES} bytes a header may have`);
    if (8 + Number(length) > fileSize) this.fail(`header length ${length} runs past the end of the file (${fileSize} bytes)`);
    return Number(length);
  }

  entry(key: string, value: unknown, dataLength: number): SafetensorsEntry {
    if (!isObject(value)) this.failKey(key, `${jsonType(value)}, not a tensor {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (!(SAFETENSORS_DTYPES as readonly unknown[]).includes(dtype)) this.failKey(key, `dtype ${show(dtype)} is not one of ${SAFETENSORS_DTYPES.join(", ")}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) this.failKey(key, `shape ${show(shape)} is not a list of non-negative whole numbers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      this.failKey(key, `data_offsets ${show(offsets)} is not [begin, end] with begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) this.failKey(key, `data_offsets [${begin}, ${end}] run past the end of the file (its data section has ${dataLength} bytes)`);
    let count = 1;
    for (const d of shape) count *= d;
    if (!Number.isSafeInteger(count)) this.failKey(key, `shape [${shape.join(", ")}] has more elements than any file holds`);
    const width = WIDTHS[dtype as SafetensorsDtype];
    if (count * width !== end - begin) {
      this.failKey(key, `shape [${shape.join(", ")}] of ${String(dtype)} takes ${count * width} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    return { dtype: dtype as SafetensorsDtype, shape, begin, end };
  }

  /** Every entry checked: known dtype, a shape that fills its byte range, ranges inside the data and apart. */
  header(json: Uint8Array, dataStart: number, dataLength: number): SafetensorsHeader {
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
    } catch (e) {
      return this.fail(`header is not JSON (${(e as Error).message})`);
    }
    if (!isObject(header)) this.fail(`header is ${jsonType(header)}, not a JSON object`);
    const entries = new Map<string, SafetensorsEntry>();
    for (const [key, value] of Object.entries(header)) {
      if (key === "__metadata__") {
        if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) this.failKey(key, "must map names to strings");
        continue;
      }
      entries.set(key, this.entry(key, value, dataLength));
    }
    const byStart = [...entries].filter(([, e]) => e.end > e.begin).sort(([, a], [, b]) => a.begin - b.begin);
    for (let i = 1, last = 0; i < byStart.length; i++) {
      const [key, e] = byStart[i];
      const [lastKey, previous] = byStart[last];
      if (e.begin < previous.end) this.failKey(key, `bytes [${e.begin}, ${e.end}] overlap ${lastKey}'s [${previous.begin}, ${previous.end}]`);
      if (e.end > previous.end) last = i;
    }
    return { dataStart, entries };
  }
}

/** The header of a safetensors file, read without its tensors: a few bounded reads whatever the file's size. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const check = new Checker(path.basename(file));
  return withRegularFile(file, "weights", async (f) => {
    const length = check.headerLength(await f.read(0, Math.min(8, f.size)), f.size);
    return check.header(await f.read(8, length), 8 + length, f.size - 8 - length);
  });
}

/**
 * The tensors a weights reader loads: the floating-point ones. Integer and bool entries (a
 * BatchNorm's num_batches_tracked is int64) are buffers no model here computes with.
 */
export function floatEntries(header: SafetensorsHeader): Map<string, SafetensorsEntry> {
  return new Map([...header.entries].filter(([, e]) => isFloatDtype(e.dtype)));
}

function toFloat32(dtype: FloatDtype, bytes: Uint8Array): Float32Array {
  const view = dataView(bytes);
  const out = new Float32Array(bytes.byteLength / WIDTHS[dtype]);
  for (let i = 0; i < out.length; i++) out[i] = floatElement(view, dtype, i);
  return out;
}

/** A state_dict from a safetensors file's bytes: its floating-point tensors as float32. */
export function readSafetensors(bytes: Uint8Array, fileName: string): Map<string, Tensor> {
  const check = new Checker(fileName);
  const length = check.headerLength(bytes, bytes.byteLength);
  const header = check.header(bytes.subarray(8, 8 + length), 8 + length, bytes.byteLength - 8 - length);
  const body = bytes.subarray(header.dataStart);
  const tensors = new Map<string, Tensor>();
  for (const [key, entry] of floatEntries(header)) tensors.set(key, { shape: entry.shape, data: toFloat32(entry.dtype as FloatDtype, body.subarray(entry.begin, entry.end)) });
  return tensors;
}

/** readSafetensors on a file, read only if it is a regular file within the size a weights file may have. */
export async function loadSafetensors(file: string): Promise<Map<string, Tensor>> {
  return readSafetensors(await readRegularFile(file, "weights"), path.basename(file));
}

export function writeSafetensors(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
  const header: Record<string, { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const [key, t] of tensors) {
    header[key] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
