import { type GraphNode, INPUT_NAME, type ModuleGraph, type ModuleSpec } from "../architecture";

// Writes a torchvision model's graph the way its `forward` runs: each call appends a node named
// by the module's qualified name. A module called more than once (ResNet's block reuses its
// `relu`) is named by its last call, what a forward hook that overwrites keeps, and its earlier
// calls are `relu#1`, `relu#2`, as in PyTorch exports (docs/FIDELITY.md); functional steps (`x + identity`,
// `torch.cat`) are named after the module whose forward makes them (`layer1.0.add`). A container
// ends with an Identity node under its own name, so `layer1.0` is the block's output.

export type Activation = "relu" | "relu6" | "hardswish" | "silu";

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly calls = new Map<string, number>();
  /** The output the next node reads unless told otherwise. */
  last = INPUT_NAME;

  /** Appends a node; returns its output's name (`id#k` on the k-th call until graph() names the last `id`). */
  add(id: string, spec: ModuleSpec, inputs: readonly string[] = [this.last]): string {
    const count = (this.calls.get(id) ?? 0) + 1;
    this.calls.set(id, count);
    const name = `${id}#${count}`;
    this.nodes.push({ id: name, spec, inputs });
    this.last = name;
    return name;
  }

  /** Runs `body` inside the container `id` (class `op`), then names its output after it. */
  container(id: string, op: string, body: () => void): string {
    body();
    return this.add(id, { type: "container", op });
  }

  /** A numbered nn.Sequential: `body(i)` builds child `id.i` for each index. */
  sequential(id: string, count: number, body: (child: string, index: number) => void): string {
    return this.container(id, "Sequential", () => {
      for (let i = 0; i < count; i++) body(`${id}.${i}`, i);
    });
  }

  graph(): ModuleGraph {
    const name = (output: string): string => {
      const at = output.lastIndexOf("#");
      if (at < 0) return output;
      const id = output.slice(0, at);
      return Number(output.slice(at + 1)) === this.calls.get(id) ? id : output;
    };
    const nodes = this.nodes.map((n) => ({ ...n, id: name(n.id), ...(n.inputs ? { inputs: n.inputs.map(name) } : {}) }));
    return { inputChannels: 3, nodes, drawnStatistics: true };
  }
}

/** Channels rounded to a multiple of 8, never more than 10% below (torchvision's _make_divisible). */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

export interface ConvOptions {
  readonly stride?: number;
  readonly padding?: number;
  readonly groups?: number;
  readonly bias?: boolean;
}

export function conv(b: GraphBuilder, id: string, inC: number, out: number, kernel: number, o: ConvOptions = {}): string {
  return b.add(id, { type: "conv2d", in: inC, out, kernel, stride: o.stride ?? 1, padding: o.padding ?? 0, groups: o.groups ?? 1, bias: o.bias ?? true });
}

export function batchNorm(b: GraphBuilder, id: string, features: number, eps = 1e-5): string {
  return b.add(id, { type: "batchnorm2d", features, eps });
}

/** torchvision.ops.Conv2dNormActivation: conv (no bias, "same" padding), BatchNorm, activation. */
export function convNormActivation(
  b: GraphBuilder,
  id: string,
  inC: number,
  out: number,
  kernel: number,
  o: { readonly stride?: number; readonly groups?: number; readonly activation?: Activation; readonly eps?: number } = {},
): string {
  return b.container(id, "Conv2dNormActivation", () => {
    conv(b, `${id}.0`, inC, out, kernel, { stride: o.stride, padding: (kernel - 1) / 2, groups: o.groups, bias: false });
    batchNorm(b, `${id}.1`, out, o.eps);
    if (o.activation) b.add(`${id}.2`, { type: o.activation });
  });
}

/** torchvision.ops.SqueezeExcitation: the input scaled per channel by a gate computed from its mean. */
export function squeezeExcitation(b: GraphBuilder, id: string, channels: number, squeeze: number, activation: Activation, gate: "sigmoid" | "hardsigmoid"): string {
  return b.container(id, "SqueezeExcitation", () => {
    const input = b.last;
    b.add(`${id}.avgpool`, { type: "adaptive_avgpool2d", output: 1 });
    conv(b, `${id}.fc1`, channels, squeeze, 1);
    b.add(`${id}.activation`, { type: activation });
    conv(b, `${id}.fc2`, squeeze, channels, 1);
    const scale = b.add(`${id}.scale_activation`, { type: gate });
    b.add(`${id}.mul`, { type: "mul" }, [scale, input]);
  });
}

/** `torch.flatten(x, 1)` and the classifier tail most models share. */
export function flatten(b: GraphBuilder, id = "flatten"): string {
  return b.add(id, { type: "flatten" });
}

export function linear(b: GraphBuilder, id: string, inC: number, out: number): string {
  return b.add(id, { type: "linear", in: inC, out });
}
