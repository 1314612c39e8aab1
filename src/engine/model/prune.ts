import { onnx } from "onnx-proto";

/**
 * The model cut down to what some of its tensors need: those its only outputs, and only the
 * nodes, inputs and initializers on the way to them. onnxruntime runs every node of a graph and
 * keeps every graph output until the run ends, so this is how a single layer of a large input is
 * computed without the memory of all the others.
 */
export function pruneTo(bytes: Uint8Array, tensors: string | readonly string[], keepInputs: readonly string[]): Uint8Array {
  const outputs = typeof tensors === "string" ? [tensors] : tensors;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  // A subgraph (If, Loop, Scan) may read tensors its node does not list as inputs: keep it all.
  if (!graph || (graph.node ?? []).some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0))) return bytes;
  const needed = new Set(outputs);
  const nodes: onnx.INodeProto[] = [];
  for (const node of [...(graph.node ?? [])].reverse()) {
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    nodes.push(node);
    for (const i of node.input ?? []) if (i) needed.add(i);
  }
  graph.node = nodes.reverse();
  graph.output = outputs.map((name) => onnx.ValueInfoProto.create({ name }));
  graph.input = (graph.input ?? []).filter((i) => needed.has(i.name ?? "") || keepInputs.includes(i.name ?? ""));
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? ""));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => needed.has(v.name ?? ""));
  return onnx.ModelProto.encode(model).finish();
}
