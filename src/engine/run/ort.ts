import { createRequire } from "module";
import * as path from "path";
import type * as Ort from "onnxruntime-node";
import { type CudaRuntime, type CudaSetup, prepareCudaRuntime } from "../gpu/runtime";

// onnxruntime-node is loaded once per process, from one folder: its binding links libonnxruntime
// by name, so a second copy would bind to the first one's library. The inference process is told
// where CUDA's provider is before its first session, and loads onnxruntime-node from the runtime
// folder beside it (../gpu/runtime.ts) or, without one, from the extension as before.

export type OrtModule = typeof Ort;

export interface LoadedOrt {
  readonly ort: OrtModule;
  /** How CUDA's provider stood when onnxruntime was loaded. */
  readonly cuda: CudaRuntime;
}

let setup: CudaSetup | undefined;
let loading: Promise<LoadedOrt> | undefined;

/** Where the CUDA provider is, for the inference process to load onnxruntime beside it; before any session. */
export function useCuda(cuda: CudaSetup | undefined): void {
  if (loading) return;
  setup = cuda;
}

async function load(wantCuda: boolean): Promise<LoadedOrt> {
  const cuda: CudaRuntime = wantCuda && setup ? await prepareCudaRuntime(setup) : { kind: "missing" };
  const ort: OrtModule =
    cuda.kind === "ready"
      ? (createRequire(path.join(cuda.packageDir, "package.json"))(cuda.packageDir) as OrtModule)
      : await import("onnxruntime-node");
  // The CUDA provider's loader logs through the process-wide logger before session options apply.
  ort.env.logLevel = "fatal";
  return { ort, cuda };
}

/** onnxruntime-node, loaded on first use; `wantCuda` false skips preparing the CUDA runtime. */
export function loadOrt(wantCuda: boolean): Promise<LoadedOrt> {
  return (loading ??= load(wantCuda));
}
