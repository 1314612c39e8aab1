import type { CudaRuntime } from "./runtime";
import type { LoadFailure } from "./detect";

// What to tell the user when CUDA did not run, decided from facts the inference process gathered.
// Without an NVIDIA GPU under `auto` the CPU is what was expected: the reason stays quiet (a
// tooltip). Asked for by name, or with a GPU present, it is a warning naming what failed.

export interface CudaFacts {
  readonly wanted: "auto" | "cuda";
  readonly gpu: boolean;
  /** Why this platform cannot run CUDA at all, if so. */
  readonly unsupported?: string;
  readonly runtime: CudaRuntime;
  /** The library that failed to load, when the provider was there. */
  readonly failed?: LoadFailure;
  /** onnxruntime's own first line. */
  readonly detail: string;
}

export interface CudaExplanation {
  readonly reason: string;
  readonly quiet: boolean;
  /** Installing the CUDA provider (Feature Maps: Install GPU Acceleration) is what would fix it. */
  readonly installable: boolean;
}

export const PROVIDER_LIBRARY = "libonnxruntime_providers_cuda.so";

function notLoaded(f: LoadFailure): string {
  const missing = /cannot open shared object file|No such file/i.test(f.why);
  if (!missing) return `${f.library} could not be loaded (${f.why})`;
  // The provider's own libraries are installed together; anything else it needs is NVIDIA's.
  return /onnxruntime/.test(f.library)
    ? `${f.library} could not be loaded (${f.why})`
    : `${f.library} is missing: the CUDA provider needs NVIDIA's CUDA 12 and cuDNN 9 libraries installed`;
}

export function explainCudaFailure(facts: CudaFacts): CudaExplanation {
  const quiet = facts.wanted === "auto" && !facts.gpu;
  if (facts.unsupported) return { reason: facts.unsupported, quiet: facts.wanted === "auto", installable: false };
  if (quiet) return { reason: "No NVIDIA GPU was found, so onnxruntime runs on the CPU", quiet, installable: false };
  const { runtime } = facts;
  if (runtime.kind === "missing") return { reason: `CUDA could not be used: its provider (${PROVIDER_LIBRARY}) is not installed`, quiet, installable: true };
  if (runtime.kind === "unusable") return { reason: `CUDA could not be used: ${runtime.reason}`, quiet, installable: false };
  return { reason: `CUDA could not be used: ${facts.failed ? notLoaded(facts.failed) : facts.detail}`, quiet, installable: false };
}
