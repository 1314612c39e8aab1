import { cancelled } from "../../shared/errors";
import type { RunResult } from "../run/inference";
import { type ActivationSource, HeldActivations } from "./sources";
import type { Activation } from "./stats";

/** Waits for `work` until `signal` aborts; the work itself goes on for whoever else waits. */
function until<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Every layer, held once one run of the whole model has made them; until then the layer on
 * screen alone, from the graph cut down to it. An image the user steps to is painted from that
 * short run, and the whole run follows when something asks for another layer or when it is
 * started in the background.
 */
export class ProgressiveActivations implements ActivationSource {
  private first?: { readonly layer: string; readonly activation: Activation };
  private whole?: Promise<HeldActivations>;

  constructor(
    layer: string,
    activation: Activation,
    /** Runs the whole model once. */
    private readonly runAll: () => Promise<RunResult>,
    /** What the held layers will take: the cache counts it from the start. */
    readonly bytes: number,
  ) {
    this.first = { layer, activation };
  }

  /** Starts the whole run if it is not under way; a failed one is tried again by the next caller. */
  complete(): Promise<HeldActivations> {
    if (!this.whole) {
      const whole = this.runAll().then((result) => {
        const first = this.first;
        this.first = undefined;
        if (!first) return new HeldActivations(result);
        // The cut run's values stay for its layer (and a container ending with it): they are what
        // was shown, and what the layer's statistics already hold, so the layer is not held twice.
        const replaced = result.activations.get(first.layer)?.data;
        const activations = new Map([...result.activations].map(([id, a]) => [id, a.data === replaced ? first.activation : a]));
        return new HeldActivations({ ...result, activations });
      });
      whole.catch(() => {
        if (this.whole === whole) this.whole = undefined;
      });
      this.whole = whole;
    }
    return this.whole;
  }

  async get(layer: string, signal?: AbortSignal): Promise<Activation> {
    if (this.first?.layer === layer) return this.first.activation;
    return (await until(this.complete(), signal)).get(layer);
  }

  async all(signal?: AbortSignal): Promise<readonly Activation[]> {
    return (await until(this.complete(), signal)).all();
  }
}
