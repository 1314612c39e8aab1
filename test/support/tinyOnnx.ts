import { onnx } from "onnx-proto";

// Small hand-made ONNX graphs: for the error paths, what a user might bring that is not a CNN; and
// a model whose layers hold NaN and infinities.
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** A number fixes a dimension; a name leaves it to the input, as PyTorch's dynamic_axes do. */
function input(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } } };
}

export interface TinyOptions {
  /** Conv weight stored in a separate file next to the model. */
  externalWeight?: string;
  inputs?: number;
  /** A 2-D MatMul model with no feature maps. */
  flat?: boolean;
  opset?: number;
  /** Height and width follow the input, and a stride-2 max pool halves them after the conv. */
  dynamic?: boolean;
}

/** [1, 1, 4, 4] -> Conv(1 -> 2, 3x3, pad 1) named like PyTorch's export -> Relu -> output. */
export function tinyModel(options: TinyOptions = {}): Uint8Array {
  const weight = Float32Array.from({ length: 18 }, (_, i) => (i % 5) - 2);
  const w: onnx.ITensorProto = { name: "conv.weight", dims: [2, 1, 3, 3], dataType: FLOAT };
  if (options.externalWeight) {
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [{ key: "location", value: options.externalWeight }, { key: "offset", value: "0" }, { key: "length", value: "72" }];
  } else {
    w.rawData = new Uint8Array(weight.buffer);
  }
  const graph: onnx.IGraphProto = options.flat
    ? {
        name: "flat",
        node: [{ name: "/fc/MatMul", opType: "MatMul", input: ["x", "fc.weight"], output: ["y"] }],
        initializer: [{ name: "fc.weight", dims: [4, 2], dataType: FLOAT, rawData: new Uint8Array(new Float32Array(8).fill(1).buffer) }],
        input: [input("x", [1, 4])],
        output: [{ name: "y", type: { tensorType: { elemType: FLOAT } } }],
      }
    : {
        name: "tiny",
        node: [
          { name: "/conv/Conv", opType: "Conv", input: ["x", "conv.weight"], output: ["/conv/Conv_output_0"], attribute: [{ name: "pads", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
          ...(options.dynamic
            ? [
                { name: "/act/Relu", opType: "Relu", input: ["/conv/Conv_output_0"], output: ["/act/Relu_output_0"] },
                {
                  name: "/pool/MaxPool",
                  opType: "MaxPool",
                  input: ["/act/Relu_output_0"],
                  output: ["y"],
                  attribute: [
                    { name: "kernel_shape", type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 2] },
                    { name: "strides", type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 2] },
                  ],
                },
              ]
            : [{ name: "/act/Relu", opType: "Relu", input: ["/conv/Conv_output_0"], output: ["y"] }]),
        ],
        initializer: [w],
        input: [input("x", options.dynamic ? [1, 1, "height", "width"] : [1, 1, 4, 4]), ...(options.inputs === 2 ? [input("x2", [1, 1, 4, 4])] : [])],
        output: [{ name: "y", type: { tensorType: { elemType: FLOAT } } }],
      };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: options.opset ?? 17 }], graph })).finish();
}

export const TINY_WEIGHT_BYTES = new Uint8Array(Float32Array.from({ length: 18 }, (_, i) => (i % 5) - 2).buffer);

/** The side of the maps of nonFiniteModel. */
export const NON_FINITE_SIDE = 8;

/**
 * What nonFiniteModel's layer "mixed" holds whatever its input, [1, 4, 8, 8]: channel 0 finite from
 * -1000 to 1000 (the ends of every layer's values for inputs in [-1, 1]), channel 1 finite with
 * NaN at pixels 5 and 40, +Inf at 10 and 11, -Inf at 20, channel 2 only NaN, channel 3 -Inf in its
 * first half and finite values <= 0 in the other (a dead channel).
 */
export const MIXED_VALUES: Float32Array = (() => {
  const size = NON_FINITE_SIDE * NON_FINITE_SIDE;
  const out = new Float32Array(4 * size);
  const special: Record<number, number> = { 5: NaN, 40: NaN, 10: Infinity, 11: Infinity, 20: -Infinity };
  for (let i = 0; i < size; i++) {
    out[i] = -1000 + (i * 2000) / (size - 1);
    out[size + i] = special[i] ?? (i - 32) * 0.25;
    out[2 * size + i] = NaN;
    out[3 * size + i] = i < size / 2 ? -Infinity : (size / 2 - i) * 10;
  }
  return out;
})();

/**
 * [1, 3, 8, 8] -> layers that hold NaN and infinities: "ratio/Div" = x / 0 (+Inf, -Inf, NaN for 0),
 * "log/Log" = log(x) (NaN below 0, -Inf at 0), "zero" = a Conv with zero weights to [1, 4, 8, 8], and
 * "mixed" = zero + MIXED_VALUES, which is MIXED_VALUES for any finite input.
 */
export function nonFiniteModel(): Uint8Array {
  const s = NON_FINITE_SIDE;
  const tensor = (name: string, dims: number[], values: Float32Array): onnx.ITensorProto => ({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer.slice(0)) });
  const graph: onnx.IGraphProto = {
    name: "nonfinite",
    node: [
      { name: "/ratio/Div", opType: "Div", input: ["x", "nothing"], output: ["/ratio/Div_output_0"] },
      { name: "/log/Log", opType: "Log", input: ["x"], output: ["/log/Log_output_0"] },
      { name: "/zero/Conv", opType: "Conv", input: ["x", "zero.weight"], output: ["/zero/Conv_output_0"] },
      { name: "/mixed/Add", opType: "Add", input: ["/zero/Conv_output_0", "mixed.values"], output: ["y"] },
    ],
    initializer: [tensor("nothing", [], new Float32Array(1)), tensor("zero.weight", [4, 3, 1, 1], new Float32Array(12)), tensor("mixed.values", [1, 4, s, s], MIXED_VALUES)],
    input: [input("x", [1, 3, s, s])],
    output: [{ name: "y", type: { tensorType: { elemType: FLOAT } } }],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph })).finish();
}
