import { onnx } from "onnx-proto";

// Building small ONNX graphs in tests: nodes, typed initializers and models, with the rounding
// of float16 and bfloat16 that expected values need.

export const DT = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

export type AttrValue = number | readonly number[] | string | { readonly f: number } | { readonly floats: readonly number[] } | onnx.ITensorProto;

function attribute(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === "number") return { name, type: A.INT, i: v };
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: [...(v as number[])] };
  if ("f" in v) return { name, type: A.FLOAT, f: v.f as number };
  if ("floats" in v) return { name, type: A.FLOATS, floats: [...(v.floats as number[])] };
  return { name, type: A.TENSOR, t: v as onnx.ITensorProto };
}

export function node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}, name = ""): onnx.INodeProto {
  return { opType: op, name: name || `/${outputs[0]}/${op}`, input: [...inputs], output: [...outputs], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bits of v, rounded to nearest even (as numpy's astype and onnxruntime's Cast). */
export function halfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  if (r === 0x400) {
    r = 0;
    e++;
    if (e >= 0x1f) return sign | 0x7c00;
  }
  return sign | (e << 10) | r;
}

export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** v as float16 holds it. */
export const f16 = (v: number): number => halfValue(halfBits(v));

/** bfloat16 bits of v, rounded to nearest even. */
export function bf16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** v as bfloat16 holds it. */
export function bf16(v: number): number {
  u32[0] = bf16Bits(v) << 16;
  return f32[0];
}

export function tensor(name: string, dims: readonly number[], dtype: number, values: readonly number[]): onnx.ITensorProto {
  let raw: Uint8Array;
  switch (dtype) {
    case DT.FLOAT:
      raw = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case DT.FLOAT16:
      raw = new Uint8Array(Uint16Array.from(values, halfBits).buffer);
      break;
    case DT.BFLOAT16:
      raw = new Uint8Array(Uint16Array.from(values, bf16Bits).buffer);
      break;
    case DT.UINT8:
      raw = Uint8Array.from(values);
      break;
    case DT.INT8:
      raw = new Uint8Array(Int8Array.from(values).buffer);
      break;
    case DT.INT32:
      raw = new Uint8Array(Int32Array.from(values).buffer);
      break;
    case DT.INT64:
      raw = new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
      break;
    default:
      throw new Error(`no test encoding for type ${dtype}`);
  }
  return { name, dims: [...dims], dataType: dtype, rawData: raw };
}

export function valueInfo(name: string, elemType: number, dims?: readonly (number | string)[]): onnx.IValueInfoProto {
  const shape = dims && { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

export interface GraphSpec {
  readonly nodes: readonly onnx.INodeProto[];
  readonly initializers?: readonly onnx.ITensorProto[];
  readonly input: onnx.IValueInfoProto;
  readonly outputs: readonly string[];
  readonly opset?: number;
}

export function modelBytes(spec: GraphSpec): Uint8Array {
  const graph: onnx.IGraphProto = {
    name: "test",
    node: [...spec.nodes],
    initializer: [...(spec.initializers ?? [])],
    input: [spec.input],
    output: spec.outputs.map((o) => ({ name: o })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: spec.opset ?? 17 }], graph })).finish();
}

/** Deterministic values in [-1, 1) for inputs and weights. */
export function ramp(n: number, seed = 1): number[] {
  return Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 97) / 97) * 2 - 1);
}
