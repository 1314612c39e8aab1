import { onnx } from "onnx-proto";
import { INPUT_NAME, type PlannedModule } from "./architecture";
import type { Tensor, WeightMap } from "./weights";

// Builds an ONNX graph with one node per PyTorch module. Every node's output tensor is named by
// the module id and listed as a graph output: onnxruntime returns intermediates only when they
// are graph outputs, and this way one run yields every layer.

const OPSET = 17;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

type Attr = number | readonly number[];

function attribute(name: string, value: Attr): onnx.IAttributeProto {
  if (typeof value !== "number") return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
  return Number.isInteger(value)
    ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
    : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

function floatAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

function floatInitializer(name: string, value: number): onnx.ITensorProto {
  return { name, dims: [], dataType: FLOAT, floatData: [value] };
}

function int64Initializer(name: string, values: readonly number[]): onnx.ITensorProto {
  const data = new BigInt64Array(values.map(BigInt));
  return { name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) };
}

interface Emitted {
  readonly nodes: onnx.INodeProto[];
  /** State_dict keys the nodes read: graph inputs, fed at every run. */
  readonly parameters?: string[];
  readonly constants?: onnx.ITensorProto[];
}

/** The ONNX node(s) for one module, reading its inputs and writing the tensor named by its id. */
function emit(module: PlannedModule): Emitted {
  const { id, spec, inputs } = module;
  const input = inputs[0];
  const node = (opType: string, nodeInputs: string[], attrs: onnx.IAttributeProto[] = [], output = id): onnx.INodeProto => ({
    name: output,
    opType,
    input: nodeInputs,
    output: [output],
    attribute: attrs,
  });
  switch (spec.type) {
    case "conv2d": {
      const keys = [`${id}.weight`, ...((spec.bias ?? true) ? [`${id}.bias`] : [])];
      const p = spec.padding ?? 0;
      const attrs = [
        attribute("kernel_shape", [spec.kernel, spec.kernel]),
        attribute("strides", [spec.stride ?? 1, spec.stride ?? 1]),
        attribute("pads", [p, p, p, p]),
        attribute("dilations", [spec.dilation ?? 1, spec.dilation ?? 1]),
        attribute("group", spec.groups ?? 1),
      ];
      return { nodes: [node("Conv", [input, ...keys], attrs)], parameters: keys };
    }
    case "batchnorm1d":
    case "batchnorm2d": {
      const keys = ["weight", "bias", "running_mean", "running_var"].map((k) => `${id}.${k}`);
      return { nodes: [node("BatchNormalization", [input, ...keys], [floatAttribute("epsilon", spec.eps ?? 1e-5)])], parameters: keys };
    }
    case "relu":
      return { nodes: [node("Relu", [input])] };
    case "relu6": {
      const [low, high] = [`${id}.min`, `${id}.max`];
      return { nodes: [node("Clip", [input, low, high])], constants: [floatInitializer(low, 0), floatInitializer(high, 6)] };
    }
    case "hardswish":
      return { nodes: [node("HardSwish", [input])] };
    case "hardsigmoid":
      // PyTorch's is relu6(x + 3) / 6; ONNX's default slope and offset are 0.2 and 0.5.
      return { nodes: [node("HardSigmoid", [input], [floatAttribute("alpha", 1 / 6), floatAttribute("beta", 0.5)])] };
    case "silu": {
      const gate = `${id}.sigmoid`;
      return { nodes: [node("Sigmoid", [input], [], gate), node("Mul", [input, gate])] };
    }
    case "add":
      return { nodes: [node("Add", [...inputs])] };
    case "mul":
      return { nodes: [node("Mul", [...inputs])] };
    case "concat":
      return { nodes: [node("Concat", [...inputs], [attribute("axis", 1)])] };
    case "stochastic_depth":
    case "container":
      // A container is never emitted (moduleTensors): this is stochastic depth, the identity in eval.
      return { nodes: [node("Identity", [input])] };
    case "leaky_relu":
      return { nodes: [node("LeakyRelu", [input], [floatAttribute("alpha", spec.slope ?? 0.01)])] };
    case "sigmoid":
      return { nodes: [node("Sigmoid", [input])] };
    case "tanh":
      return { nodes: [node("Tanh", [input])] };
    case "dropout":
      // Without a training_mode input, ONNX Dropout is the identity, as nn.Dropout after eval().
      return { nodes: [node("Dropout", [input])] };
    case "maxpool2d":
    case "avgpool2d": {
      const p = spec.padding ?? 0;
      const stride = spec.stride ?? spec.kernel;
      const attrs = [attribute("kernel_shape", [spec.kernel, spec.kernel]), attribute("strides", [stride, stride]), attribute("pads", [p, p, p, p])];
      // nn.AvgPool2d counts padding in the divisor by default.
      if (spec.type === "avgpool2d") attrs.push(attribute("count_include_pad", 1));
      else if (spec.ceil === true) attrs.push(attribute("ceil_mode", 1));
      return { nodes: [node(spec.type === "maxpool2d" ? "MaxPool" : "AveragePool", [input], attrs)] };
    }
    case "adaptive_avgpool2d": {
      if (spec.output === 1) return { nodes: [node("GlobalAveragePool", [input])] };
      // The graph runs at any size, so no kernel can be fixed: split the last axis into `output`
      // windows and average each, for width then height ([N, C, H, W] -> [N, C, H, o] ->
      // [N, C, o, H] -> [N, C, o, o]). The planner has checked the size is a multiple of it.
      const split = `${id}.windows`;
      const step = (from: string, k: number, last: boolean): onnx.INodeProto[] => [
        node("Reshape", [from, split], [], `${id}.split${k}`),
        node("ReduceMean", [`${id}.split${k}`], [attribute("axes", [4]), attribute("keepdims", 0)], `${id}.mean${k}`),
        node("Transpose", [`${id}.mean${k}`], [attribute("perm", [0, 1, 3, 2])], last ? id : `${id}.turn${k}`),
      ];
      return { nodes: [...step(input, 0, false), ...step(`${id}.turn0`, 1, true)], constants: [int64Initializer(split, [0, 0, 0, spec.output, -1])] };
    }
    case "flatten":
      return { nodes: [node("Flatten", [input], [attribute("axis", 1)])] };
    case "view": {
      const shapeName = `${id}.shape`;
      return { nodes: [node("Reshape", [input, shapeName])], constants: [int64Initializer(shapeName, spec.shape)] };
    }
    case "linear": {
      const keys = [`${id}.weight`, ...((spec.bias ?? true) ? [`${id}.bias`] : [])];
      return { nodes: [node("Gemm", [input, ...keys], [attribute("transB", 1)])], parameters: keys };
    }
    case "log_softmax":
    case "softmax":
      return {
        nodes: [node(spec.type === "softmax" ? "Softmax" : "LogSoftmax", [input], [attribute("axis", spec.dim ?? 1)])],
      };
  }
}

function floatValueInfo(name: string, dims: ReadonlyArray<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export interface BuiltModel {
  readonly model: onnx.ModelProto;
  /** What to feed besides the image: the graph's weight inputs, by name. */
  readonly parameters: ReadonlyMap<string, Tensor>;
}

/**
 * The whole model as an ONNX message; height and width stay symbolic so any input size runs.
 * The weights are graph inputs, not initializers: the message stays a few kB, so a config edit
 * that rebuilds the model opens a session without copying every weight into fresh memory;
 * onnxruntime reads the fed arrays in place and runs as fast (docs/PERFORMANCE.md).
 */
/**
 * The tensor that holds each module's output. A container's is its last module's: it gets no node
 * of its own, so a run returns that tensor once, as PyTorch's hooks on a block and on its last
 * module see the same tensor.
 */
export function moduleTensors(modules: readonly PlannedModule[]): ReadonlyMap<string, string> {
  const tensors = new Map<string, string>();
  for (const m of modules) tensors.set(m.id, m.spec.type === "container" ? (tensors.get(m.inputs[0]) ?? m.inputs[0]) : m.id);
  return tensors;
}

export function onnxModel(modules: readonly PlannedModule[], weights: WeightMap, inputChannels: number): BuiltModel {
  const nodes: onnx.INodeProto[] = [];
  const constants: onnx.ITensorProto[] = [];
  const parameters = new Map<string, Tensor>();
  const tensors = moduleTensors(modules);
  for (const module of modules) {
    if (module.spec.type === "container") continue;
    const emitted = emit({ ...module, inputs: module.inputs.map((i) => tensors.get(i) ?? i) });
    nodes.push(...emitted.nodes);
    constants.push(...(emitted.constants ?? []));
    for (const key of emitted.parameters ?? []) {
      const t = weights.get(key);
      if (!t) throw new Error(`no weight ${key}`);
      parameters.set(key, t);
    }
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "feature-maps",
    graph: {
      name: "feature-maps",
      node: nodes,
      initializer: constants,
      input: [floatValueInfo(INPUT_NAME, [1, inputChannels, "height", "width"]), ...[...parameters].map(([key, t]) => floatValueInfo(key, t.shape))],
      output: [...new Set(tensors.values())].map((name) => ({ name, type: { tensorType: { elemType: FLOAT } } })),
    },
  });
  return { model, parameters };
}
