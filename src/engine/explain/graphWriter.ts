import { onnx } from "onnx-proto";

// Writes the nodes of the backward graph: every tensor it makes gets a fresh name under one
// prefix, so nothing collides with the model's own tensor names.

const AttrType = onnx.AttributeProto.AttributeType;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** The model's default-domain opset: some ops' arguments moved from attributes to inputs across versions. */
export function opsetOf(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  return Number(entry?.version ?? 1);
}

export type AttrValue = number | string | readonly number[] | { readonly float: number } | onnx.ITensorProto;

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  if (typeof value === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === "number") return { name, type: AttrType.INT, i: value };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: [...(value as readonly number[])] };
  if ("float" in value) return { name, type: AttrType.FLOAT, f: (value as { float: number }).float };
  return { name, type: AttrType.TENSOR, t: value as onnx.ITensorProto };
}

export class GraphWriter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly constants: onnx.ITensorProto[] = [];
  private count = 0;
  private readonly cache = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.count++}`;
  }

  /** One node; returns its output names (one unless `outputs` says more). */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push({
      name: this.fresh(`${opType}_node`),
      opType,
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** The same, for the common single-output case. */
  one(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    return this.op(opType, inputs, attrs)[0];
  }

  ints(values: readonly number[]): string {
    return this.constant(`i:${values.join(",")}`, () => {
      const data = new BigInt64Array(values.map(BigInt));
      return { dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) };
    });
  }

  /** A float scalar (rank 0): broadcasts against anything. */
  scalar(value: number): string {
    return this.constant(`f:${value}`, () => ({ dims: [], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([value]).buffer) }));
  }

  private constant(key: string, make: () => onnx.ITensorProto): string {
    const known = this.cache.get(key);
    if (known) return known;
    const name = this.fresh("const");
    this.constants.push({ ...make(), name });
    this.cache.set(key, name);
    return name;
  }

  /** Dimension `axis` of `tensor`'s runtime shape, as a 1-element int64 tensor. */
  dim(tensor: string, axis: number): string {
    return this.one("Slice", [this.one("Shape", [tensor]), this.ints([axis]), this.ints([axis + 1])]);
  }

  /** Zeros shaped like `tensor`. */
  zerosLike(tensor: string): string {
    return this.one("ConstantOfShape", [this.one("Shape", [tensor])], {
      value: { dims: [1], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([0]).buffer) },
    });
  }

  /**
   * `grad` (shaped like an op's output) summed down to the shape of `input`, which numpy-style
   * broadcasting stretched along the axes where it has size 1. Both must have the same rank.
   */
  unbroadcast(grad: string, input: string): string {
    const inShape = this.one("Shape", [input]);
    const gradShape = this.one("Shape", [grad]);
    const one = this.ints([1]);
    const stretched = this.one("And", [this.one("Equal", [inShape, one]), this.one("Not", [this.one("Equal", [gradShape, one])])]);
    const axes = this.one("Reshape", [this.one("NonZero", [stretched]), this.ints([-1])]);
    // With no stretched axis, ReduceSum is told to do nothing rather than reduce everything.
    return this.one("ReduceSum", [grad, axes], { keepdims: 1, noop_with_empty_axes: 1 });
  }

  /** A per-channel vector [C] reshaped to [1, C, 1, ...] to broadcast against `like`. */
  perChannel(vector: string, like: string): string {
    const rank = this.one("Shape", [this.one("Shape", [like])]);
    const ones = this.one("ConstantOfShape", [this.one("Sub", [rank, this.ints([2])])], {
      value: { dims: [1], dataType: INT64, rawData: new Uint8Array(new BigInt64Array([1n]).buffer) },
    });
    return this.one("Reshape", [vector, this.one("Concat", [this.ints([1, -1]), ones], { axis: 0 })]);
  }
}
