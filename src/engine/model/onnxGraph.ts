import { onnx } from "onnx-proto";

// A light copy of an ONNX graph for the analyses that run before onnxruntime does (element types,
// input dependence, layout, shapes): nodes in topological order, and of each constant its type,
// dims and, when small, its values. Large weights are not kept, so a model's graph stays cheap to
// hold while its session is open.

export const DT = onnx.TensorProto.DataType;

/** A constant's values are kept up to this many elements: enough for shapes, scales and axes. */
const SMALL = 64;

export interface GraphNode {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, onnx.IAttributeProto>;
}

export interface Constant {
  readonly dtype: number;
  readonly dims: readonly number[];
  /** Only for small constants. */
  readonly values?: readonly number[];
}

export interface LightGraph {
  readonly nodes: readonly GraphNode[];
  readonly constants: ReadonlyMap<string, Constant>;
  readonly input: string;
  readonly inputType: number;
  /** Declared shapes a file carries (value_info and outputs), undefined where a dimension is free. */
  readonly declared: ReadonlyMap<string, readonly (number | undefined)[]>;
}

export function num(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : Number(v.toString());
}

interface Long {
  toString(): string;
}

export function intAttr(node: GraphNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a && a.i !== null && a.i !== undefined ? num(a.i) : fallback;
}

export function intsAttr(node: GraphNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.ints && a.ints.length > 0 ? a.ints.map(num) : undefined;
}

export function stringAttr(node: GraphNode, name: string): string | undefined {
  const s = node.attributes.get(name)?.s;
  return s && s.length > 0 ? new TextDecoder().decode(s) : undefined;
}

const count = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function rawValues(t: onnx.ITensorProto, n: number): number[] | undefined {
  const raw = t.rawData;
  if (!raw || raw.byteLength === 0) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read: Partial<Record<number, [number, (i: number) => number]>> = {
    [DT.FLOAT]: [4, (i) => view.getFloat32(i, true)],
    [DT.DOUBLE]: [8, (i) => view.getFloat64(i, true)],
    [DT.INT64]: [8, (i) => Number(view.getBigInt64(i, true))],
    [DT.INT32]: [4, (i) => view.getInt32(i, true)],
    [DT.UINT8]: [1, (i) => view.getUint8(i)],
    [DT.INT8]: [1, (i) => view.getInt8(i)],
  };
  const reader = read[t.dataType ?? 0];
  if (!reader || raw.byteLength < n * reader[0]) return undefined;
  return Array.from({ length: n }, (_, i) => reader[1](i * reader[0]));
}

/** A tensor's type, dims and small values; its data stays where it is. */
export function constantOf(t: onnx.ITensorProto): Constant {
  const dims = (t.dims ?? []).map(num);
  const dtype = t.dataType ?? 0;
  const n = count(dims);
  if (n > SMALL) return { dtype, dims };
  const typed = [t.floatData, t.int64Data, t.int32Data, t.doubleData].find((a) => a && a.length === n && n > 0);
  const values = typed ? typed.map((v) => num(v as number)) : n === 0 ? [] : rawValues(t, n);
  return values ? { dtype, dims, values } : { dtype, dims };
}

/** What a Constant node holds, in any of its attribute forms. */
function constantNode(node: GraphNode): Constant | undefined {
  const a = [...node.attributes.values()][0];
  if (!a) return undefined;
  switch (a.name) {
    case "value":
      return a.t ? constantOf(a.t) : undefined;
    case "value_float":
      return { dtype: DT.FLOAT, dims: [], values: [a.f ?? 0] };
    case "value_floats":
      return { dtype: DT.FLOAT, dims: [a.floats?.length ?? 0], values: [...(a.floats ?? [])] };
    case "value_int":
      return { dtype: DT.INT64, dims: [], values: [num(a.i)] };
    case "value_ints":
      return { dtype: DT.INT64, dims: [a.ints?.length ?? 0], values: (a.ints ?? []).map(num) };
    default:
      return undefined;
  }
}

function dimsOf(v: onnx.IValueInfoProto): (number | undefined)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => {
    const n = d.dimValue === null || d.dimValue === undefined ? 0 : num(d.dimValue);
    return n > 0 ? n : undefined;
  });
}

/** A min-heap of node indices: the lowest ready index goes first. */
class ReadyQueue {
  private readonly heap: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(v: number): void {
    const h = this.heap;
    h.push(v);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (h[parent] <= h[i]) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as number;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < h.length && h[l] < h[m]) m = l;
        if (r < h.length && h[r] < h[m]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Nodes in an order where each comes after the nodes it reads from (ONNX requires it, but not
 * every exporter obeys); the lowest index first keeps the file's own order wherever it is valid.
 * A node whose inputs never appear (a cycle) keeps its place at the end.
 */
function topological(nodes: readonly GraphNode[], available: ReadonlySet<string>): GraphNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  const waiting = nodes.map((n) => new Set(n.inputs.filter((x) => x !== "" && !available.has(x) && producer.has(x)).map((x) => producer.get(x) as number)));
  const readers = new Map<number, number[]>();
  waiting.forEach((deps, i) =>
    deps.forEach((d) => {
      const list = readers.get(d);
      if (list) list.push(i);
      else readers.set(d, [i]);
    }),
  );
  const ready = new ReadyQueue();
  waiting.forEach((deps, i) => deps.size === 0 && ready.push(i));
  const order: number[] = [];
  const placed = new Set<number>();
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    placed.add(i);
    for (const r of readers.get(i) ?? []) {
      waiting[r].delete(i);
      if (waiting[r].size === 0 && !placed.has(r)) ready.push(r);
    }
  }
  nodes.forEach((_, i) => placed.has(i) || order.push(i));
  return order.map((i) => nodes[i]);
}

export function lightGraph(graph: onnx.IGraphProto, input: onnx.IValueInfoProto): LightGraph {
  const constants = new Map<string, Constant>();
  for (const t of graph.initializer ?? []) constants.set(t.name ?? "", constantOf(t));
  const raw: GraphNode[] = (graph.node ?? []).map((n) => ({
    op: n.domain && n.domain !== "ai.onnx" ? `${n.domain}.${n.opType ?? "?"}` : (n.opType ?? "?"),
    name: n.name ?? "",
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: new Map((n.attribute ?? []).map((a) => [a.name ?? "", a])),
  }));
  for (const n of raw) {
    const c = n.op === "Constant" ? constantNode(n) : undefined;
    if (c && n.outputs[0]) constants.set(n.outputs[0], c);
  }
  const declared = new Map<string, (number | undefined)[]>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const dims = dimsOf(v);
    if (dims) declared.set(v.name ?? "", dims);
  }
  const inputName = input.name ?? "";
  return {
    nodes: topological(raw, new Set([inputName, ...constants.keys()])),
    constants,
    input: inputName,
    inputType: input.type?.tensorType?.elemType ?? 0,
    declared,
  };
}
