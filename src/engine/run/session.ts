import type * as Ort from "onnxruntime-node";
import type { ProviderChoice, ProviderReport } from "../../shared/protocol";
import { FeatureMapsError } from "../../shared/errors";
import { type CudaExplanation, explainCudaFailure } from "../gpu/explain";
import { failingLibrary, hasNvidiaGpu, type LoadFailure } from "../gpu/detect";
import { CUDA_PIN, cudaUnsupported, providerLibraries } from "../gpu/pin";
import type { Tensor } from "../model/weights";
import { type LoadedOrt, loadOrt, type OrtModule } from "./ort";
import { withInitializers } from "./initializers";

export interface SessionOptions {
  readonly provider: ProviderChoice;
  readonly threads?: number;
  /**
   * A session run many times on one model (an explanation's batches and backward passes): its
   * weights become initializers on every provider and the layout optimisations run, which makes
   * runs faster at the cost of a slower open.
   */
  readonly reused?: boolean;
}

export interface OpenedSession {
  readonly session: Ort.InferenceSession;
  readonly provider: ProviderReport;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0].trim();
}

function create(ort: OrtModule, model: Uint8Array, providers: string[], threads: number | undefined, reused = false): Promise<Ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: providers,
    // The binding rejects an explicit undefined, and from a timer, where it cannot be caught.
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    // Fatal only: a missing CUDA provider is expected on most machines, and we report it ourselves.
    logSeverityLevel: 4,
    // "extended" keeps every fusion that matters for one run; "all" adds layout rewrites that slow
    // session creation and copy the weights, which pays off only over many runs (docs/PERFORMANCE.md).
    graphOptimizationLevel: reused ? "all" : "extended",
    // Without the arena a session's first run is as fast as later ones: each config edit opens a
    // new session, and the arena's first growth touches fresh memory (docs/PERFORMANCE.md).
    enableCpuMemArena: false,
    // Threads that spin between ops burn a core the webview, the workbench and the extension host
    // share with us, and runs are no slower without it (bench/spinning.mjs).
    extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
  });
}

/** The library that failed to load, looked for once per process: it does not change while the process lives. */
let failed: { readonly library?: LoadFailure } | undefined;

function explain(loaded: LoadedOrt, wanted: "auto" | "cuda", detail: string): CudaExplanation {
  const { cuda } = loaded;
  const gpu = hasNvidiaGpu();
  // Without a GPU under auto nothing is named, so nothing is loaded to find out.
  if (cuda.kind === "ready" && (gpu || wanted === "cuda")) failed ??= { library: failingLibrary(cuda.binDir, providerLibraries(CUDA_PIN)) };
  return explainCudaFailure({ wanted, gpu, unsupported: cudaUnsupported(CUDA_PIN), runtime: cuda, failed: failed?.library, detail });
}

/**
 * Opens a session on the chosen execution provider. `auto` tries CUDA and falls back to the CPU
 * when the provider cannot load, keeping the reason so the UI can say why CUDA was not used.
 * `cuda` fails rather than silently running somewhere else. `weights`, the graph inputs a built
 * model is fed at every run, become initializers on CUDA: fed, they would be copied from the host
 * to the GPU at every run; as initializers they are copied once, when the session opens.
 */
export async function openSession(model: Uint8Array, options: SessionOptions, weights?: ReadonlyMap<string, Tensor>): Promise<OpenedSession> {
  const { provider: wanted, threads, reused } = options;
  const loaded = await loadOrt(wanted !== "cpu");
  const { ort } = loaded;
  const frozen = reused && weights && weights.size > 0 ? withInitializers(model, weights) : model;
  if (wanted === "cpu") return { session: await create(ort, frozen, ["cpu"], threads, reused), provider: { wanted, used: "cpu" } };
  try {
    const session = await create(ort, weights && weights.size > 0 ? withInitializers(model, weights) : model, ["cuda"], threads, reused);
    return { session, provider: { wanted, used: "cuda" } };
  } catch (e) {
    const { reason, quiet, installable } = explain(loaded, wanted, firstLine(e));
    if (wanted === "cuda") throw new FeatureMapsError("CUDA_UNAVAILABLE", `${reason}.`);
    const provider: ProviderReport = { wanted, used: "cpu", reason, ...(quiet ? { quiet } : {}), ...(installable ? { installable } : {}) };
    return { session: await create(ort, frozen, ["cpu"], threads, reused), provider };
  }
}
