import { FeatureMapsError } from "../../shared/errors";
import type { BoundedCache } from "../run/boundedCache";
import type { PlannedLayer } from "../run/estimate";
import type { RunResult } from "../run/inference";
import { safePoint } from "../run/safePoint";
import type { Activation } from "./stats";

/** Where an analysis gets a layer's values: held from one run, or computed when asked for. */
export interface ActivationSource {
  /** Bytes held for as long as the analysis is kept. */
  readonly bytes: number;
  get(layer: string, signal?: AbortSignal): Promise<Activation>;
  /** Every layer's values: only a source that holds (or will hold) them all has it. */
  all?(signal?: AbortSignal): Promise<readonly Activation[]>;
}

/** Every layer from one run, for models whose activations fit the memory budget together. */
export class HeldActivations implements ActivationSource {
  constructor(private readonly result: RunResult) {}

  get bytes(): number {
    return this.result.bytes;
  }

  async get(layer: string): Promise<Activation> {
    const a = this.result.activations.get(layer);
    if (!a) throw new FeatureMapsError("INTERNAL", `the run gave no values for ${layer}`);
    return a;
  }

  async all(): Promise<readonly Activation[]> {
    return this.result.layers.map((l) => this.result.activations.get(l.id) as Activation);
  }
}

const MB = 1024 * 1024;
const mb = (bytes: number): number => Math.ceil(bytes / MB);

/**
 * One layer at a time, each from a run that stops at that layer: for a model and size whose
 * layers together are over the memory budget. Computed layers are kept in a bounded cache shared
 * by all such analyses, so going back to a layer is quick while memory stays bounded.
 */
export class ComputedActivations implements ActivationSource {
  constructor(
    /** Runs the model up to one layer. */
    private readonly run: (layer: string) => Promise<Activation>,
    /** What the messages name: the model and input size. */
    private readonly what: string,
    private readonly input: Float32Array,
    private readonly planned: readonly PlannedLayer[],
    private readonly budgetBytes: number,
    private readonly cache: BoundedCache<Activation>,
    /** This analysis's part of the cache's keys. */
    private readonly key: string,
  ) {}

  get bytes(): number {
    return this.input.byteLength;
  }

  get(layer: string, signal?: AbortSignal): Promise<Activation> {
    const index = this.planned.findIndex((p) => p.info.id === layer);
    // The layer itself, and on the way to it about twice the largest map before it (an op's input and output).
    const largest = Math.max(...this.planned.slice(0, index + 1).map((p) => p.bytes));
    const need = this.planned[index].bytes + 2 * largest + this.input.byteLength;
    if (need > this.budgetBytes) {
      throw new FeatureMapsError(
        "OUT_OF_BUDGET",
        `${this.what}: computing ${layer} needs about ${mb(need)} MB, over the memory budget of ${mb(this.budgetBytes)} MB (featureMaps.memoryBudgetMB, CLI --memory-budget); use a smaller input size`,
      );
    }
    return this.cache.get(
      `${this.key}\n${layer}`,
      async (stop) => {
        await safePoint(stop);
        return this.run(layer);
      },
      signal,
    );
  }
}
