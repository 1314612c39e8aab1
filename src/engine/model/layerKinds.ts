import type { LayerKind } from "../../shared/protocol";

const KINDS: ReadonlyArray<readonly [LayerKind, readonly string[]]> = [
  ["conv", ["Conv", "ConvTranspose", "Conv2d", "ConvInteger", "QLinearConv"]],
  ["activation", ["Relu", "ReLU", "LeakyRelu", "LeakyReLU", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "Gelu", "HardSigmoid", "HardSwish", "Softplus", "PRelu", "Mish", "ReLU6", "Hardsigmoid", "Hardswish", "SiLU"]],
  ["pool", ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]],
  ["norm", ["BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "BatchNorm2d", "BatchNorm1d"]],
  ["dropout", ["Dropout", "StochasticDepth"]],
  ["linear", ["Gemm", "MatMul", "Linear"]],
];

const BY_OP = new Map(KINDS.flatMap(([kind, ops]) => ops.map((op) => [op, kind] as const)));

/** Conv, activation, pool... for the layer list's icons, from an ONNX or a PyTorch op name. */
export function layerKind(op: string): LayerKind {
  return BY_OP.get(op) ?? "other";
}
