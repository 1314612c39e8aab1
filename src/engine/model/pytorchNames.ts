// PyTorch's ONNX export names a node after the module calls it sits in and its op:
// `/layer2/layer2.0/downsample/downsample.0/Conv`. Users know those modules by their
// `named_modules()` names, `layer2.0.downsample.0`, so those become the layer ids, containers
// (`layer2.0`, `layer2`) included.
//
// Facts about torch.onnx.export (torch 1.13) this decodes:
// - each scope segment is the module's qualified name from its last non-numeric atom on
//   (`layer2.0.downsample.0` -> `downsample.0`, `layer1.0` -> `layer1.0`, `conv1` -> `conv1`);
// - the whole scope path is made unique by a counter: a module's second call gets `_1` on the
//   last segment only (`/layer1/layer1.0/relu_1/Relu`, `/block/block.0_1/Conv`), and a repeated
//   node name gets it on the op (`Relu_1`).

/** What naming needs of a graph node. */
export interface ExportedNode {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Whether its first output may be a layer (not a shape or constant). */
  readonly layer: boolean;
}

/** A layer id given to a node's first output. */
export interface ExportedLayer {
  readonly id: string;
  /** A module with modules inside it (its output is its last child's, or an op of its own). */
  readonly container: boolean;
  /** Enclosing modules, innermost first: where the layer sits in the module tree. */
  readonly ancestors: readonly string[];
}

/** Deeper or longer scopes are not a PyTorch export's, and qualified names cost depth x length. */
const MAX_DEPTH = 32;
const MAX_NAME = 1024;
/** Characters of qualified names all nodes together may take before naming gives up for tensor names. */
const MAX_QUALIFIED_CHARS = 64 * 2 ** 20;
const NUMERIC = /^\d+$/;

/** The part of a qualified name that torch uses as the scope segment. */
function unqualified(qualified: string): string {
  const atoms = qualified.split(".");
  for (let i = atoms.length - 1; i >= 0; i--) if (!NUMERIC.test(atoms[i])) return atoms.slice(i).join(".");
  return qualified;
}

/** Qualified names of the modules a scope path goes through, outermost first. */
function qualifiedChain(segments: readonly string[]): string[] {
  const chain: string[] = [];
  let parent = "";
  for (const s of segments) {
    const u = parent === "" ? "" : unqualified(parent);
    // A numbered child (`downsample.0` under `layer2.0.downsample`) repeats its parent's segment.
    const numbered = u !== "" && s.startsWith(`${u}.`) && s.slice(u.length + 1).split(".").every((a) => NUMERIC.test(a));
    parent = numbered ? parent + s.slice(u.length) : parent === "" ? s : `${parent}.${s}`;
    chain.push(parent);
  }
  return chain;
}

/** The scope segments and op of a node name, or undefined when it has no module scope. */
function scopeOf(name: string): { segments: string[]; op: string } | undefined {
  if (!name.startsWith("/") || name.length > MAX_NAME) return undefined;
  const parts = name.slice(1).split("/");
  if (parts.length < 2 || parts.length > MAX_DEPTH || parts.some((p) => p === "")) return undefined;
  return { segments: parts.slice(0, -1), op: parts[parts.length - 1] };
}

interface Placed {
  /** Modules the node is inside, outermost first. */
  readonly chain: readonly string[];
  readonly inside: ReadonlySet<string>;
  /** Which call of its innermost module, from 0. */
  readonly call: number;
  readonly op: string;
}

/** Reads the calls: `relu_1` is the second call of `relu` when `relu` is a scope of the same graph. */
function place(nodes: readonly ExportedNode[]): (Placed | undefined)[] {
  const scopes = nodes.map((n) => scopeOf(n.name));
  const paths = new Set(scopes.flatMap((s) => (s ? [s.segments.join("/")] : [])));
  // A hostile graph of many deep, long names would make naming hold far more than the file.
  const cost = scopes.reduce((sum, s) => sum + (s ? s.segments.length * s.segments.join("/").length : 0), 0);
  if (cost > MAX_QUALIFIED_CHARS) return scopes.map(() => undefined);
  return scopes.map((s) => {
    if (!s) return undefined;
    const segments = [...s.segments];
    let call = 0;
    const repeat = /^(.+)_(\d+)$/.exec(segments[segments.length - 1]);
    if (repeat && paths.has([...segments.slice(0, -1), repeat[1]].join("/"))) {
      segments[segments.length - 1] = repeat[1];
      call = Number(repeat[2]);
    }
    const chain = qualifiedChain(segments);
    return { chain, inside: new Set(chain), call, op: s.op };
  });
}

/**
 * The layer ids of each node's first output, innermost first; undefined for a node outside any
 * module scope (its tensor name stays its id). A module's id goes to the last node inside it whose
 * output is read outside it or is a graph output: what its forward hook sees, and for a module
 * called several times the last call's output, as a hook that overwrites keeps. A leaf module's
 * earlier calls are `name#1`, `name#2`, …; an op inside a module that ends no module is
 * `module/Op`.
 */
export function exportedLayers(nodes: readonly ExportedNode[], graphOutputs: ReadonlySet<string>): (readonly ExportedLayer[] | undefined)[] {
  const placed = place(nodes);
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, j) => {
    for (const input of n.inputs) {
      const readers = consumers.get(input);
      if (readers) readers.push(j);
      else consumers.set(input, [j]);
    }
  });
  const containers = new Set(placed.flatMap((p) => p?.chain.slice(0, -1) ?? []));
  const calls = new Map<string, number>();
  for (const p of placed) if (p) calls.set(p.chain[p.chain.length - 1], Math.max(calls.get(p.chain[p.chain.length - 1]) ?? 0, p.call + 1));
  const instanceOf = (p: Placed): string => {
    const module = p.chain[p.chain.length - 1];
    return p.call + 1 < (calls.get(module) ?? 0) && !containers.has(module) ? `${module}#${p.call + 1}` : module;
  };

  // The exit of a module (all its calls) and of each earlier call of a leaf module: the last node read from outside it.
  const exits = new Map<string, number>();
  nodes.forEach((n, i) => {
    const p = placed[i];
    const tensor = n.outputs[0];
    if (!p || !n.layer || !tensor) return;
    const readers = (consumers.get(tensor) ?? []).map((j) => placed[j]);
    const output = graphOutputs.has(tensor);
    for (const m of p.chain) if (output || readers.some((r) => !r?.inside.has(m))) exits.set(m, i);
    const instance = instanceOf(p);
    if (instance !== p.chain[p.chain.length - 1] && (output || readers.some((r) => !r || instanceOf(r) !== instance))) exits.set(instance, i);
  });

  const used = new Set<string>();
  return nodes.map((n, i) => {
    const p = placed[i];
    if (!p || !n.layer || !n.outputs[0]) return undefined;
    const ancestors = [...p.chain].reverse();
    const module = ancestors[0];
    const instance = instanceOf(p);
    const layers: ExportedLayer[] = [];
    const add = (id: string, container: boolean, outer: readonly string[]): void => {
      if (used.has(id)) return;
      used.add(id);
      layers.push({ id, container, ancestors: outer });
    };
    const ends = exits.get(instance) === i;
    add(ends ? instance : `${instance}/${p.op}`, ends && instance === module && containers.has(module), ends ? ancestors.slice(1) : ancestors);
    ancestors.forEach((m, k) => {
      if ((k > 0 || instance !== module) && exits.get(m) === i) add(m, containers.has(m), ancestors.slice(k + 1));
    });
    return layers;
  });
}
