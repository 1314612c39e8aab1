import { promises as fs } from "fs";
import * as path from "path";
import { onnx } from "onnx-proto";
import { exportedLayers } from "./pytorchNames";
import { FeatureMapsError } from "../../shared/errors";
import { containedPath, readRegularFile } from "../formats/files";
import type { ModelDtype } from "../../shared/choices";
import { fetchAsFloat32, readForeignModel } from "./onnxForeign";
import type { InferredShapes } from "./onnxShapes";

/** A tensor that may be a layer: a node output, before a run tells its type and shape. */
export interface Candidate {
  readonly tensor: string;
  readonly id: string;
  readonly name: string;
  readonly op: string;
  /** Enclosing PyTorch modules, innermost first, for an exported model's module tree. */
  readonly ancestors?: readonly string[];
  /** The float32 tensor onnxruntime returns for it, when the map itself is not float32. */
  readonly fetch?: string;
  /** Its element type before that conversion, when not float32. */
  readonly dtype?: string;
  /** Stored as [N, H, W, C] (shown as [N, C, H, W]). */
  readonly nhwc?: boolean;
}

export interface InspectedOnnx {
  /** The model with every candidate exposed as a graph output, its own outputs unchanged. */
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly inputChannels: number;
  /** Spatial size when the model fixes it, else undefined (any size runs). */
  readonly fixedSize?: { readonly height: number; readonly width: number };
  readonly candidates: readonly Candidate[];
  /** Tensor names of the model's own outputs. */
  readonly outputs: readonly string[];
  /** Absent for built models, which are float32 and NCHW and know their shapes from their plan. */
  readonly dtype?: ModelDtype;
  /** The input is [N, H, W, C]: images are fed transposed. */
  readonly nhwc?: boolean;
  /** Every tensor's shape at an input size, without running the model. */
  readonly shapes?: (height: number, width: number) => InferredShapes;
}


const MIN_OPSET = 7;
// Ops whose outputs are shapes, indices or constants, never feature maps.
const NOT_LAYERS = new Set(["Constant", "Shape", "Size", "ConstantOfShape", "NonZero", "Range", "Identity"]);

/** An external_data offset or length: a decimal byte count, as ONNX writes it. */
function byteCount(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}

/**
 * Reads each external tensor's declared byte range into the model: the data file must be a
 * regular file inside the model's folder once links are followed (a model names the files the
 * engine reads, and must not get it to read /etc/passwd or a device).
 */
async function inlineExternalData(model: onnx.ModelProto, modelPath: string, file: string): Promise<void> {
  const dir = path.dirname(modelPath);
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
    const location = entry.location;
    if (!location) throw new FeatureMapsError("MODEL_INVALID", `${file}: tensor ${t.name} is stored as external data but names no file`);
    const [offset, length] = [byteCount(entry.offset) ?? 0, byteCount(entry.length)];
    if (Number.isNaN(offset) || Number.isNaN(length)) {
      throw new FeatureMapsError("MODEL_INVALID", `${file}: tensor ${t.name} declares external data at offset "${entry.offset ?? ""}", length "${entry.length ?? ""}", not byte counts`);
    }
    // An absolute location is refused by containedPath, whether or not it exists.
    const missing = !path.isAbsolute(location) && (await fs.lstat(path.join(dir, location)).then(() => false, () => true));
    if (missing) throw new FeatureMapsError("MODEL_INVALID", `${file}: external data file "${location}" (tensor ${t.name}) is missing; keep it beside the model`);
    const data = await containedPath(dir, location, "model", modelPath);
    try {
      t.rawData = await readRegularFile(data, "model", { offset, length });
    } catch (e) {
      if (!(e instanceof FeatureMapsError)) throw e;
      throw new FeatureMapsError(e.code, `${file}: external data of tensor ${t.name}: ${e.message}`);
    }
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    t.externalData = [];
  }
}

function readableName(tensor: string): string {
  return tensor.replace(/_output_0$/, "").replace(/^\//, "");
}

/**
 * Every node output that may be a layer, by the ids users recognise: PyTorch module names for an
 * exported model (containers too, op `module`: the export does not keep module classes), else
 * the tensor's own name.
 */
function layerCandidates(nodes: readonly onnx.INodeProto[], graphOutputs: ReadonlySet<string>): Candidate[] {
  const named = exportedLayers(
    nodes.map((n) => ({ name: n.name ?? "", inputs: n.input ?? [], outputs: n.output ?? [], layer: !NOT_LAYERS.has(n.opType ?? "") })),
    graphOutputs,
  );
  const used = new Set<string>();
  return nodes.flatMap((n, i) => {
    const tensor = n.output?.[0] ?? "";
    if (NOT_LAYERS.has(n.opType ?? "") || tensor === "") return [];
    const layers = named[i] ?? [];
    const candidates: Candidate[] =
      layers.length > 0
        ? layers.map((l) => ({ tensor, id: l.id, name: l.id, op: l.container ? "module" : (n.opType ?? "?"), ancestors: l.ancestors }))
        : [{ tensor, id: tensor, name: readableName(tensor), op: n.opType ?? "?" }];
    return candidates.filter((c) => !used.has(c.id) && used.add(c.id));
  });
}

export async function inspectOnnx(bytes: Uint8Array, modelPath: string): Promise<InspectedOnnx> {
  const file = path.basename(modelPath);
  let model: onnx.ModelProto;
  try {
    // A plain view, not a Node Buffer: bundled, protobufjs copies a Buffer's bytes with the
    // deprecated `new Buffer()`, which prints a warning on every model read.
    model = onnx.ModelProto.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new FeatureMapsError("MODEL_INVALID", `${file}: not an ONNX model (${(e as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0) throw new FeatureMapsError("MODEL_INVALID", `${file}: not an ONNX model (no graph nodes)`);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  const version = opset ? Number(opset.version?.toString()) : 0;
  if (version < MIN_OPSET) throw new FeatureMapsError("MODEL_INVALID", `${file}: opset ${version} is older than onnxruntime supports (${MIN_OPSET} or later)`);
  await inlineExternalData(model, modelPath, file);

  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ""));
  if (inputs.length !== 1) {
    throw new FeatureMapsError(
      "MODEL_INVALID",
      `${file}: has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}); Feature Maps feeds one image tensor [1, C, H, W]`,
    );
  }
  const foreign = readForeignModel(graph, inputs[0], file);

  const nodes = graph.node ?? [];
  const outputs = (graph.output ?? []).map((o) => o.name ?? "");
  // Named over the whole graph; only the maps computed from the input, as floats, stay.
  const fetches = new Map<string, string>();
  const fetchOf = (tensor: string): string => {
    let fetch = fetches.get(tensor);
    if (fetch === undefined) fetches.set(tensor, (fetch = fetchAsFloat32(graph, tensor, foreign.dtypes.get(tensor))));
    return fetch;
  };
  const candidates: Candidate[] = layerCandidates(nodes, new Set(outputs))
    .filter((c) => foreign.activations.has(c.tensor))
    .map((c) => {
      const fetch = fetchOf(c.tensor);
      return { ...c, ...(fetch === c.tensor ? {} : { fetch, dtype: foreign.dtypes.get(c.tensor) }), ...(foreign.nhwc.has(c.tensor) ? { nhwc: true } : {}) };
    });
  // In the order they are computed, whatever the file's order (a container after the module that ends it).
  const order = new Map([...foreign.activations].map((t, i) => [t, i]));
  candidates.sort((a, b) => (order.get(a.tensor) ?? 0) - (order.get(b.tensor) ?? 0));
  // Only the maps chosen are made graph outputs, once per tensor: onnxruntime keeps every graph output of a run.
  const exposed = new Set(outputs);
  const extra = [...new Set(candidates.map((c) => c.fetch ?? c.tensor))].filter((t) => !exposed.has(t));
  graph.output = [...(graph.output ?? []), ...extra.map((name) => onnx.ValueInfoProto.create({ name }))];
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    inputName: foreign.inputName,
    inputChannels: foreign.channels,
    fixedSize: foreign.fixedSize,
    candidates,
    outputs,
    dtype: foreign.dtype,
    nhwc: foreign.layout === "nhwc",
    shapes: foreign.shapes,
  };
}
