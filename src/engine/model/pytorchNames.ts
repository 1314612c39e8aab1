// PyTorch's ONNX export names a node after its module scope and op, `/features/features.30/Relu`
// or `/layer1/layer1.0/conv1/Conv`. Users know their modules as `features.30` and
// `layer1.0.conv1`, so those become the layer ids.

/** The qualified module name of an exported node, or undefined when it has no module scope. */
export function moduleOfNode(nodeName: string): string | undefined {
  const segments = nodeName.split("/").filter((s) => s.length > 0);
  if (segments.length < 2 || !nodeName.startsWith("/")) return undefined;
  let qualified = "";
  for (const s of segments.slice(0, -1)) {
    // A segment is either already qualified (`features.30` under `features`) or a child's own name.
    qualified = qualified === "" || s.startsWith(`${qualified}.`) ? s : `${qualified}.${s}`;
  }
  return qualified;
}

/** The op part of an exported node name: `/features/features.30/Relu_1` gives `Relu_1`. */
export function nodeLeaf(nodeName: string): string {
  const segments = nodeName.split("/").filter((s) => s.length > 0);
  return segments[segments.length - 1] ?? nodeName;
}
