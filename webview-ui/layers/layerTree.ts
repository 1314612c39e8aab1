import type { LayerInfo } from "../../src/shared/protocol";

// The module tree of the layer list (`layer1` > `layer1.0` > `layer1.0.conv1`), without the DOM:
// which rows show, at what depth, and where the keys of a VS Code tree move.

export interface TreeRow {
  readonly layer: LayerInfo;
  readonly depth: number;
  /** The id of the row above it in the tree; undefined at the top. */
  readonly parent?: string;
  readonly hasChildren: boolean;
}

/**
 * Rows in display order: a module before the layers inside it, each subtree where its first
 * layer runs. The list's order is the graph's, where a module's output comes after its children.
 */
export function treeRows(layers: readonly LayerInfo[]): TreeRow[] {
  const ids = new Set(layers.map((l) => l.id));
  const children = new Map<string | undefined, LayerInfo[]>();
  for (const l of layers) {
    const parent = l.parent !== undefined && l.parent !== l.id && ids.has(l.parent) ? l.parent : undefined;
    const siblings = children.get(parent);
    if (siblings) siblings.push(l);
    else children.set(parent, [l]);
  }
  const position = new Map(layers.map((l, i) => [l.id, i]));
  const first = new Map<string, number>();
  const firstOf = (l: LayerInfo, seen: Set<string>): number => {
    const known = first.get(l.id);
    if (known !== undefined) return known;
    // A cycle of parents is a broken message, not a tree: it ends where it repeats.
    seen.add(l.id);
    const inside = (children.get(l.id) ?? []).filter((c) => !seen.has(c.id)).map((c) => firstOf(c, seen));
    const value = inside.reduce((a, b) => Math.min(a, b), position.get(l.id) ?? 0);
    first.set(l.id, value);
    return value;
  };
  const rows: TreeRow[] = [];
  const placed = new Set<string>();
  const visit = (l: LayerInfo, depth: number, parent: string | undefined): void => {
    if (placed.has(l.id)) return;
    placed.add(l.id);
    const inside = [...(children.get(l.id) ?? [])].sort((a, b) => firstOf(a, new Set()) - firstOf(b, new Set()));
    rows.push({ layer: l, depth, parent, hasChildren: inside.length > 0 });
    for (const c of inside) visit(c, depth + 1, l.id);
  };
  for (const root of [...(children.get(undefined) ?? [])].sort((a, b) => firstOf(a, new Set()) - firstOf(b, new Set()))) visit(root, 0, undefined);
  // Layers only reachable through a cycle still show, at the top.
  for (const l of layers) visit(l, 0, undefined);
  return rows;
}

/**
 * What a tree row reads: its name as the export's scope segment, from its last non-numeric atom
 * (`conv1` under `layer1.0`, `layer1.0` under `layer1`, `downsample.0`), or the op of a module's own
 * op (`Add` for `layer1.0/Add`).
 */
export function rowLabel(row: TreeRow): string {
  const { id, name } = row.layer;
  const parent = row.parent;
  if (parent === undefined || name !== id) return name;
  if (id.startsWith(`${parent}/`)) return id.slice(parent.length + 1);
  const atoms = id.split(".");
  let i = atoms.length - 1;
  while (i > 0 && /^\d+(#\d+)?$/.test(atoms[i])) i--;
  return atoms.slice(i).join(".");
}

/** Whether the layers nest at all: a flat model's list stays a plain list. */
export function isTree(rows: readonly TreeRow[]): boolean {
  return rows.some((r) => r.hasChildren);
}

/**
 * The rows that show: without a filter, those whose modules are all expanded; with one, the
 * matching rows and the modules they sit in, whatever is collapsed.
 */
export function visibleRows(rows: readonly TreeRow[], collapsed: ReadonlySet<string>, matches?: (l: LayerInfo) => boolean): TreeRow[] {
  const byId = new Map(rows.map((r) => [r.layer.id, r]));
  if (matches) {
    const keep = new Set<string>();
    for (const r of rows) {
      if (!matches(r.layer)) continue;
      for (let at: TreeRow | undefined = r; at && !keep.has(at.layer.id); at = at.parent === undefined ? undefined : byId.get(at.parent)) keep.add(at.layer.id);
    }
    return rows.filter((r) => keep.has(r.layer.id));
  }
  const hidden = new Set<string>();
  return rows.filter((r) => {
    const inside = r.parent !== undefined && (hidden.has(r.parent) || collapsed.has(r.parent));
    if (inside) hidden.add(r.layer.id);
    return !inside;
  });
}

/** The modules above a layer, innermost first: what must be expanded to show it. */
export function ancestorsOf(rows: readonly TreeRow[], id: string): string[] {
  const byId = new Map(rows.map((r) => [r.layer.id, r]));
  const out: string[] = [];
  for (let at = byId.get(id)?.parent; at !== undefined && !out.includes(at); at = byId.get(at)?.parent) out.push(at);
  return out;
}

export type TreeMove = { readonly select: number } | { readonly expand: string } | { readonly collapse: string };

/**
 * What a key does at row `at` of the visible rows, as in VS Code's trees: Up/Down, Home/End and
 * Page keys move; Right expands a collapsed module, else goes to its first child; Left collapses
 * an expanded module, else goes to the module above.
 */
export function treeKey(key: string, visible: readonly TreeRow[], at: number, collapsed: ReadonlySet<string>, page: number): TreeMove | undefined {
  const last = visible.length - 1;
  const clamp = (i: number): TreeMove => ({ select: Math.max(0, Math.min(last, i)) });
  const row = visible[at] as TreeRow | undefined;
  switch (key) {
    case "ArrowUp":
      return clamp(at - 1);
    case "ArrowDown":
      return clamp(at + 1);
    case "PageUp":
      return clamp(at - page);
    case "PageDown":
      return clamp(at + page);
    case "Home":
      return clamp(0);
    case "End":
      return clamp(last);
    case "ArrowRight":
      if (!row?.hasChildren) return undefined;
      return collapsed.has(row.layer.id) ? { expand: row.layer.id } : visible[at + 1]?.parent === row.layer.id ? { select: at + 1 } : undefined;
    case "ArrowLeft": {
      if (!row) return undefined;
      if (row.hasChildren && !collapsed.has(row.layer.id)) return { collapse: row.layer.id };
      const parent = visible.findIndex((r) => r.layer.id === row.parent);
      return parent >= 0 ? { select: parent } : undefined;
    }
    default:
      return undefined;
  }
}
