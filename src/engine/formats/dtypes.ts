// Element types of stored tensors, named as safetensors names them; PyTorch checkpoints map their
// storage classes onto the same names.

export const TENSOR_DTYPES = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

export const DTYPE_WIDTHS: Readonly<Record<TensorDtype, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };

export type FloatDtype = "F64" | "F32" | "F16" | "BF16";

/** The weights readers load only these; integer and bool entries (BatchNorm's num_batches_tracked) are left out. */
export function isFloatDtype(dtype: TensorDtype): dtype is FloatDtype {
  return dtype === "F64" || dtype === "F32" || dtype === "F16" || dtype === "BF16";
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Element `index` of little-endian `dtype` data, as a number that float32 then rounds like torch's `.float()`. */
export function floatElement(view: DataView, dtype: FloatDtype, index: number): number {
  switch (dtype) {
    case "F32":
      return view.getFloat32(index * 4, true);
    case "F64":
      return view.getFloat64(index * 8, true);
    case "F16":
      return halfToFloat(view.getUint16(index * 2, true));
    case "BF16":
      // bfloat16 is the upper half of a float32.
      bf16Scratch.setUint32(0, view.getUint16(index * 2, true) << 16);
      return bf16Scratch.getFloat32(0);
  }
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
