import { FeatureMapsError } from "../../shared/errors";
// NumPy's .npy format, version 1.0 for writing: magic, a little-endian u16 header length, a
// Python-dict header padded so the data starts 64-byte aligned, then C-order data.

const MAGIC = "\x93NUMPY";

export function writeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export interface NpyArray {
  readonly shape: number[];
  readonly dtype: "float32" | "float64" | "uint8";
  /** Values as float32 (float64 narrowed). */
  readonly data: Float32Array;
}

export interface NpyHeader {
  readonly shape: number[];
  readonly dtype: NpyArray["dtype"];
  /** Where the data starts, and how many bytes it must have. */
  readonly dataOffset: number;
  readonly dataBytes: number;
}

const DTYPES: Record<string, NpyArray["dtype"]> = { "<f4": "float32", "<f8": "float64", "|u1": "uint8", "<u1": "uint8" };
const ITEM_BYTES: Record<NpyArray["dtype"], number> = { float32: 4, float64: 8, uint8: 1 };

function invalid(name: string, why: string): never {
  throw new FeatureMapsError("INPUT_INVALID", `${name}: not a readable .npy file: ${why}`);
}

/** The header alone, so a caller can refuse an array by its shape before reading its data. */
export function readNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (bytes.byteLength < 10 || String.fromCharCode(...bytes.subarray(0, 6)) !== MAGIC) invalid(name, "no NUMPY magic");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.byteLength) invalid(name, "header runs past the file");
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? "";
  const dtype = DTYPES[descr] ?? invalid(name, `dtype ${descr} (float32, float64 or uint8 are read)`);
  if (/'fortran_order':\s*True/.test(header)) invalid(name, "Fortran order (save a C-contiguous array)");
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? invalid(name, "no shape");
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) invalid(name, `shape (${shapeText.trim()}) is not whole numbers`);
  return { shape, dtype, dataOffset: start + headerLength, dataBytes: shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype] };
}

export function readNpy(bytes: Uint8Array, name: string): NpyArray {
  const { shape, dtype, dataOffset, dataBytes } = readNpyHeader(bytes, name);
  const body = bytes.subarray(dataOffset);
  if (body.byteLength !== dataBytes) invalid(name, `${body.byteLength} data bytes for shape (${shape.join(", ")})`);
  const count = dataBytes / ITEM_BYTES[dtype];
  const data = new Float32Array(count);
  const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < count; i++) {
    data[i] = dtype === "float32" ? bodyView.getFloat32(i * 4, true) : dtype === "float64" ? bodyView.getFloat64(i * 8, true) : body[i];
  }
  return { shape, dtype, data };
}
