import * as ort from "onnxruntime-node";
import type { ProviderChoice, ProviderReport } from "../../shared/protocol";
import { FeatureMapsError } from "../../shared/errors";

export interface SessionOptions {
  readonly provider: ProviderChoice;
  readonly threads?: number;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ProviderReport;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0].trim();
}

// The CUDA provider's loader logs through the process-wide logger before session options apply.
ort.env.logLevel = "fatal";

function create(model: Uint8Array, providers: string[], threads: number | undefined): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: providers,
    // The binding rejects an explicit undefined, and from a timer, where it cannot be caught.
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    // Fatal only: a missing CUDA provider is expected on most machines, and we report it ourselves.
    logSeverityLevel: 4,
    // "extended" keeps every fusion that matters here; "all" adds layout rewrites that slow session
    // creation and copy the weights, for no faster run on these models (docs/PERFORMANCE.md).
    graphOptimizationLevel: "extended",
    // Without the arena a session's first run is as fast as later ones: each config edit opens a
    // new session, and the arena's first growth touches fresh memory (docs/PERFORMANCE.md).
    enableCpuMemArena: false,
  });
}

/**
 * Opens a session on the chosen execution provider. `auto` tries CUDA and falls back to the CPU
 * when the provider cannot load, keeping the reason so the UI can say why CUDA was not used.
 * `cuda` fails rather than silently running somewhere else.
 */
export async function openSession(model: Uint8Array, options: SessionOptions): Promise<OpenedSession> {
  const { provider: wanted, threads } = options;
  if (wanted === "cpu") return { session: await create(model, ["cpu"], threads), provider: { wanted, used: "cpu" } };
  try {
    const session = await create(model, ["cuda"], threads);
    return { session, provider: { wanted, used: "cuda" } };
  } catch (e) {
    const detail = firstLine(e);
    // The usual case: onnxruntime-node was installed without its CUDA provider download.
    const reason = /shared library|providers_(shared|cuda)/.test(detail)
      ? "CUDA could not be used: onnxruntime's CUDA provider is not installed (npm run install-cuda, with CUDA 12)"
      : `CUDA could not be used: ${detail}`;
    if (wanted === "cuda") throw new FeatureMapsError("CUDA_UNAVAILABLE", `${reason}. Set featureMaps.executionProvider to "auto" or "cpu" to run on the CPU.`);
    return { session: await create(model, ["cpu"], threads), provider: { wanted, used: "cpu", reason } };
  }
}
