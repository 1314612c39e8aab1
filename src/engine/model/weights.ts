import { pytorchOpName, type PlannedModule } from "./architecture";
import { fillUniform } from "./random";
import { FeatureMapsError } from "../../shared/errors";

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A state_dict: PyTorch's key names (`features.0.weight`) to float32 tensors. */
export type WeightMap = ReadonlyMap<string, Tensor>;

export interface ParameterSpec {
  readonly key: string;
  readonly shape: readonly number[];
  /** How PyTorch initialises it when a module is constructed: U(center - uniform, center + uniform), or a constant. */
  readonly init: { readonly uniform: number; readonly center?: number } | { readonly fill: number };
}

/**
 * The parameters and buffers a module owns, as `module.state_dict()` names them. With
 * `drawnStatistics`, BatchNorm's running mean and variance are drawn from U(-0.1, 0.1) and
 * U(0.5, 1.5) instead of PyTorch's 0 and 1, as a trained network's are not trivial either.
 */
export function moduleParameters(module: PlannedModule, drawnStatistics = false): ParameterSpec[] {
  const { id, spec } = module;
  switch (spec.type) {
    case "conv2d": {
      const groups = spec.groups ?? 1;
      const fanIn = (spec.in / groups) * spec.kernel * spec.kernel;
      // kaiming_uniform_(a=sqrt(5)) reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)); so does the bias.
      const bound = 1 / Math.sqrt(fanIn);
      const params: ParameterSpec[] = [{ key: `${id}.weight`, shape: [spec.out, spec.in / groups, spec.kernel, spec.kernel], init: { uniform: bound } }];
      if (spec.bias ?? true) params.push({ key: `${id}.bias`, shape: [spec.out], init: { uniform: bound } });
      return params;
    }
    case "linear": {
      const bound = 1 / Math.sqrt(spec.in);
      const params: ParameterSpec[] = [{ key: `${id}.weight`, shape: [spec.out, spec.in], init: { uniform: bound } }];
      if (spec.bias ?? true) params.push({ key: `${id}.bias`, shape: [spec.out], init: { uniform: bound } });
      return params;
    }
    case "batchnorm1d":
    case "batchnorm2d":
      return [
        { key: `${id}.weight`, shape: [spec.features], init: { fill: 1 } },
        { key: `${id}.bias`, shape: [spec.features], init: { fill: 0 } },
        { key: `${id}.running_mean`, shape: [spec.features], init: drawnStatistics ? { uniform: 0.1 } : { fill: 0 } },
        { key: `${id}.running_var`, shape: [spec.features], init: drawnStatistics ? { uniform: 0.5, center: 1 } : { fill: 1 } },
      ];
    default:
      return [];
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes of an architecture's float32 parameters, known from its plan before any is drawn or read. */
export function parameterBytes(modules: readonly PlannedModule[]): number {
  return modules.reduce((sum, m) => sum + moduleParameters(m).reduce((s, p) => s + 4 * sizeOf(p.shape), 0), 0);
}

function drawParameter(param: ParameterSpec, seed: number): Tensor {
  const data = new Float32Array(sizeOf(param.shape));
  if ("fill" in param.init) {
    data.fill(param.init.fill);
  } else {
    fillUniform(data, param.init.uniform, seed, param.key);
    const center = param.init.center ?? 0;
    if (center !== 0) for (let i = 0; i < data.length; i++) data[i] += center;
  }
  return { shape: param.shape, data };
}

/** PyTorch's default initialisation, drawn from our seeded generator (not torch's own stream). */
export function initialWeights(modules: readonly PlannedModule[], seed: number, drawnStatistics = false): Map<string, Tensor> {
  return new Map(modules.flatMap((m) => moduleParameters(m, drawnStatistics)).map((p) => [p.key, drawParameter(p, seed)]));
}

/**
 * The initial weights of the last model built. Editing one layer of a config then redraws only
 * that layer's tensors instead of the model's millions of values. A parameter's values depend
 * only on the seed, its key, its shape and its initialisation (a bias's bound comes from its
 * layer's fan-in, which its own shape does not tell), so a tensor matching all four is kept.
 */
export class DrawnWeights {
  private last?: { readonly seed: number; readonly drawn: ReadonlyMap<string, { readonly how: string; readonly tensor: Tensor }> };

  draw(modules: readonly PlannedModule[], seed: number, drawnStatistics = false): WeightMap {
    const drawn = new Map<string, { how: string; tensor: Tensor }>();
    for (const param of modules.flatMap((m) => moduleParameters(m, drawnStatistics))) {
      const how = JSON.stringify([param.shape, param.init]);
      const old = this.last?.seed === seed ? this.last.drawn.get(param.key) : undefined;
      drawn.set(param.key, old?.how === how ? old : { how, tensor: drawParameter(param, seed) });
    }
    this.last = { seed, drawn };
    return new Map([...drawn].map(([key, { tensor }]) => [key, tensor]));
  }
}

export class WeightsMismatchError extends FeatureMapsError {
  constructor(
    message: string,
    /** The state_dict keys concerned, so an editor can point at them. */
    readonly keys: readonly string[],
  ) {
    super("WEIGHTS_INVALID", message);
  }
}

const IGNORED_SUFFIX = ".num_batches_tracked";

/**
 * Checks a state_dict against the architecture; names every missing, extra or mis-shaped key.
 * Only shapes are compared, so a file's header is enough to check it without loading it.
 */
export function checkWeights(modules: readonly PlannedModule[], weights: ReadonlyMap<string, { readonly shape: readonly number[] }>): void {
  const expected = new Map(modules.flatMap((m) => moduleParameters(m).map((p) => [p.key, { p, m }] as const)));
  const problems: string[] = [];
  const keys: string[] = [];
  for (const [key, { p, m }] of expected) {
    const got = weights.get(key);
    if (!got) {
      problems.push(`missing ${key} (${pytorchOpName(m.spec)} ${m.id} needs [${p.shape.join(", ")}])`);
      keys.push(key);
    } else if (got.shape.length !== p.shape.length || got.shape.some((d, i) => d !== p.shape[i])) {
      problems.push(`${key} is [${got.shape.join(", ")}], ${pytorchOpName(m.spec)} ${m.id} needs [${p.shape.join(", ")}]`);
      keys.push(key);
    }
  }
  for (const key of weights.keys()) {
    if (!expected.has(key) && !key.endsWith(IGNORED_SUFFIX)) {
      problems.push(`unexpected ${key}`);
      keys.push(key);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join("; ");
    const more = problems.length > 8 ? ` (and ${problems.length - 8} more)` : "";
    throw new WeightsMismatchError(`weights do not fit the architecture: ${shown}${more}`, keys);
  }
}
