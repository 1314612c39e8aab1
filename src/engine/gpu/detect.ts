import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { constants } from "os";
import * as path from "path";

// Cheap facts about the machine for explaining a CUDA failure: whether an NVIDIA GPU is there,
// and which library the provider could not load.

export interface GpuProbe {
  readonly platform: string;
  /** Whether a file exists (the NVIDIA kernel driver's /proc entry). */
  readonly exists: (file: string) => boolean;
  /** Whether `nvidia-smi -L` runs and exits 0. */
  readonly smiRuns: () => boolean;
}

/** The NVIDIA driver is loaded (Linux's /proc entry) or its nvidia-smi answers. */
export function nvidiaPresent(probe: GpuProbe): boolean {
  if (probe.platform === "linux" && probe.exists("/proc/driver/nvidia/version")) return true;
  return (probe.platform === "linux" || probe.platform === "win32") && probe.smiRuns();
}

const SYSTEM: GpuProbe = {
  platform: process.platform,
  exists: existsSync,
  smiRuns: () => spawnSync("nvidia-smi", ["-L"], { stdio: "ignore", timeout: 5000, windowsHide: true }).status === 0,
};

let cached: boolean | undefined;

/** Whether this machine has an NVIDIA GPU; asked once per process. */
export function hasNvidiaGpu(): boolean {
  return (cached ??= nvidiaPresent(SYSTEM));
}

export interface LoadFailure {
  /** The library that could not be loaded: the provider itself or one it needs. */
  readonly library: string;
  readonly why: string;
}

/**
 * The failing library in a dynamic loader's message: "libcudnn.so.9: cannot open shared object
 * file: No such file or directory" names a dependency; a path names the provider itself.
 */
export function parseLoadError(message: string): LoadFailure | undefined {
  const m = /^([^:\n]+?\.(?:so(?:\.[\d.]+)?|dll|node)): (.+)$/m.exec(message.trim());
  if (!m) return undefined;
  return { library: path.basename(m[1]), why: m[2].trim() };
}

/**
 * Loads each provider library the way onnxruntime would, to name the one that fails: onnxruntime
 * only says "Failed to load shared library". Node's dlopen reports a loaded library that is not a
 * Node addon as not self-registering, which means it loaded.
 */
export function failingLibrary(binDir: string, libraries: readonly string[]): LoadFailure | undefined {
  for (const name of libraries) {
    const file = path.join(binDir, name);
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, file, constants.dlopen.RTLD_LAZY);
    } catch (e) {
      const message = (e as Error).message;
      if (/self-register|napi_register_module|Module did not/i.test(message)) continue;
      return parseLoadError(message) ?? { library: name, why: message.split("\n")[0] };
    }
  }
  return undefined;
}
