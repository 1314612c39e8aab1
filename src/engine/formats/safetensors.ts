import type { Tensor } from "../model/weights";
import { FeatureMapsError } from "../../shared/errors";

// The safetensors layout: u64 little-endian header length, a JSON header mapping names to
// {dtype, shape, data_offsets} relative to the end of the header, then the raw bytes.

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function toFloat32(dtype: string, bytes: Uint8Array, count: number, key: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const width = { F32: 4, F64: 8, F16: 2, BF16: 2 }[dtype];
  if (width === undefined) throw new FeatureMapsError("WEIGHTS_INVALID", `${key}: dtype ${dtype} is not a floating-point type this reader takes (F32, F64, F16, BF16)`);
  if (bytes.byteLength !== count * width) throw new FeatureMapsError("WEIGHTS_INVALID", `${key}: ${bytes.byteLength} bytes do not hold ${count} ${dtype} values`);
  for (let i = 0; i < count; i++) {
    if (dtype === "F32") out[i] = view.getFloat32(i * 4, true);
    else if (dtype === "F64") out[i] = view.getFloat64(i * 8, true);
    else if (dtype === "BF16") out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
    else out[i] = halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export function readSafetensors(bytes: Uint8Array, fileName: string): Map<string, Tensor> {
  const fail = (why: string): never => {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${fileName}: not a readable safetensors file: ${why}`);
  };
  if (bytes.byteLength < 8) fail("shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) fail(`header length ${headerLength} runs past the file`);
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  const body = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, Tensor>();
  for (const [key, value] of Object.entries(header)) {
    if (key === "__metadata__") continue;
    const entry = value as HeaderEntry;
    const [begin, end] = entry.data_offsets ?? [];
    if (!Array.isArray(entry.shape) || !(begin >= 0 && end >= begin && end <= body.byteLength)) fail(`${key} has bad shape or offsets`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    tensors.set(key, { shape: entry.shape, data: toFloat32(entry.dtype, body.subarray(begin, end), count, `${fileName}: ${key}`) });
  }
  return tensors;
}

export function writeSafetensors(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
  const header: Record<string, HeaderEntry> = {};
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
