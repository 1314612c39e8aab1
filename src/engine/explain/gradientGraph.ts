import { onnx } from "onnx-proto";
import { FeatureMapsError } from "../../shared/errors";
import { FLOAT, GraphWriter, opsetOf } from "./graphWriter";
import { UnsupportedOp, vjpRule } from "./vjp";

// onnxruntime-node has no autograd, so the gradient of a score with respect to a layer is its own
// ONNX graph: the backward pass of the part of the model between the layer and the output. It is
// a second graph, in an opset of our choosing (ScatterElements' "add" needs 16), fed with the
// forward tensors it reads; the model itself is never rewritten.

export const SEED_INPUT = "feature-maps/seed";
export const GRADIENT_OUTPUT = "feature-maps/gradient";
const OPSET = 17;

export interface GradientGraph {
  readonly bytes: Uint8Array;
  /** Tensors of the forward run the backward graph reads (computed by the model's nodes). */
  readonly forwardTensors: readonly string[];
  /** The model's own graph inputs it reads besides those: a built model's weights, fed as at a forward run. */
  readonly modelInputs: readonly string[];
}

/** Tensors that depend on `from`, following the nodes forward. */
function dependents(nodes: readonly onnx.INodeProto[], from: string): Set<string> {
  const reached = new Set([from]);
  for (const node of nodes) {
    if ((node.input ?? []).some((i) => reached.has(i))) for (const o of node.output ?? []) reached.add(o);
  }
  return reached;
}

/** Tensors that `to` depends on, following the nodes backward. */
function ancestors(nodes: readonly onnx.INodeProto[], to: string): Set<string> {
  const reached = new Set([to]);
  for (const node of [...nodes].reverse()) {
    if ((node.output ?? []).some((o) => reached.has(o))) for (const i of node.input ?? []) if (i) reached.add(i);
  }
  return reached;
}

function describe(node: onnx.INodeProto): string {
  return node.name ? `${node.opType} node "${node.name}"` : `${node.opType} node making "${(node.output ?? [])[0]}"`;
}

/**
 * The backward graph from `output` to `target`: input SEED_INPUT is dScore/dOutput, output
 * GRADIENT_OUTPUT is dScore/dTarget. `label` names the model in messages.
 */
export function gradientGraph(model: onnx.IModelProto, target: string, output: string, label: string): GradientGraph {
  const graph = model.graph;
  const nodes = graph?.node ?? [];
  if (nodes.some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0))) {
    throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: control flow (If, Loop, Scan) between the layer and the output has no gradient here`);
  }
  const dependsOnTarget = dependents(nodes, target);
  if (!dependsOnTarget.has(output)) {
    throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: the output "${output}" does not depend on layer "${target}"`);
  }
  const feedsOutput = ancestors(nodes, output);
  const path = nodes.filter((n) => (n.input ?? []).some((i) => dependsOnTarget.has(i)) && (n.output ?? []).some((o) => feedsOutput.has(o)));

  const w = new GraphWriter("feature-maps/backward");
  const opset = opsetOf(model);
  const grads = new Map<string, string[]>([[output, [SEED_INPUT]]]);
  const total = (tensor: string): string | undefined => {
    const parts = grads.get(tensor) ?? [];
    return parts.length <= 1 ? parts[0] : w.one("Sum", parts);
  };
  for (const node of [...path].reverse()) {
    const outs = node.output ?? [];
    if (outs.slice(1).some((o) => grads.has(o))) {
      throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: the ${describe(node)} has several outputs on the way to the score; only single-output ops have a gradient here`);
    }
    const gy = total(outs[0]);
    if (gy === undefined) continue;
    const rule = vjpRule(node.opType ?? "");
    if (!rule) throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: the ${describe(node)} has no gradient here, so gradient methods cannot explain layer "${target}"; EigenCAM, Score-CAM and occlusion need none`);
    let inputGrads: (string | undefined)[];
    try {
      inputGrads = rule({ node, w, gy, opset, needs: (i) => dependsOnTarget.has((node.input ?? [])[i] ?? "") });
    } catch (e) {
      if (e instanceof UnsupportedOp) throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: the ${describe(node)}: ${e.message}`);
      throw e;
    }
    inputGrads.forEach((g, i) => {
      const input = (node.input ?? [])[i];
      if (g !== undefined && input) grads.set(input, [...(grads.get(input) ?? []), g]);
    });
  }
  const gradient = total(target);
  if (gradient === undefined) throw new FeatureMapsError("OP_UNSUPPORTED", `${label}: no path from layer "${target}" to the output "${output}"`);
  w.nodes.push({ name: GRADIENT_OUTPUT, opType: "Identity", input: [gradient], output: [GRADIENT_OUTPUT] });

  // Constants the rules read (Pad's pads, Clip's bounds) come along as nodes: they may be integers,
  // and feeding them from the forward run would only copy them.
  const constantNodes = new Map(nodes.filter((n) => n.opType === "Constant").map((n) => [(n.output ?? [])[0], n]));
  const readNames = (): string[] => [...new Set(w.nodes.flatMap((n) => n.input ?? []))];
  const copiedConstants = readNames().flatMap((name) => constantNodes.get(name) ?? []);
  w.nodes.unshift(...copiedConstants);
  const made = new Set([...w.nodes.flatMap((n) => n.output ?? []), ...w.constants.map((c) => c.name ?? "")]);
  const read = readNames().filter((name) => name && !made.has(name) && name !== SEED_INPUT);
  const initializers = new Map((graph?.initializer ?? []).map((t) => [t.name ?? "", t]));
  const modelInputNames = new Set((graph?.input ?? []).map((i) => i.name ?? ""));
  const copied = read.filter((name) => initializers.has(name)).map((name) => initializers.get(name) as onnx.ITensorProto);
  const modelInputs = read.filter((name) => !initializers.has(name) && modelInputNames.has(name) && name !== target);
  const forwardTensors = read.filter((name) => !initializers.has(name) && !modelInputs.includes(name));
  const typed = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT } } });

  const backward = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "feature-maps",
    graph: {
      name: "feature-maps-backward",
      node: w.nodes,
      initializer: [...w.constants, ...copied],
      input: [SEED_INPUT, ...forwardTensors, ...modelInputs].map(typed),
      output: [typed(GRADIENT_OUTPUT)],
    },
  });
  return { bytes: onnx.ModelProto.encode(backward).finish(), forwardTensors, modelInputs };
}
