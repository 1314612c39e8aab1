import { onnx } from "onnx-proto";

// Small hand-made ONNX graphs for the error paths: what a user might bring that is not a CNN.
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
