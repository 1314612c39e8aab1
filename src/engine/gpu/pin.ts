import pinned from "./cudaProvider.json";

// What the CUDA provider is and where it comes from, read from cudaProvider.json: the one place
// the version, the URL and the checksum are written (scripts/pin-cuda-provider.mjs fills in the
// size and sha256 from one download). The source is the NuGet package onnxruntime-node's own
// installer uses, at the version of the onnxruntime-node the extension ships: the provider
// libraries are built against that exact libonnxruntime.

export interface ProviderPackage {
  /** The NuGet package id. */
  readonly package: string;
  readonly url: string;
  /** Bytes and sha256 (hex) of the package; null until pinned from a real download. */
  readonly size: number | null;
  readonly sha256: string | null;
  /** The provider libraries: the name they need beside libonnxruntime, and their path in the package. */
  readonly files: Readonly<Record<string, string>>;
}

export interface CudaPin {
  /** The onnxruntime version the provider is built for: the bundled onnxruntime-node's. */
  readonly onnxruntime: string;
  readonly platforms: Readonly<Record<string, ProviderPackage>>;
}

export const CUDA_PIN: CudaPin = pinned;

/** `linux-x64`, `win32-x64`, … as the pin and the VSIX targets name platforms. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/**
 * Why the bundled onnxruntime-node cannot run CUDA on this platform, or undefined where it can.
 * Its Windows binding is built with DirectML and WebGPU but without the CUDA provider, and macOS
 * has no CUDA: on both, provider libraries would have nothing to plug into.
 */
export function cudaUnsupported(pin: CudaPin, platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (pin.platforms[platformKey(platform, arch)]) return undefined;
  const where = platform === "win32" ? "Windows" : platform === "darwin" ? "macOS" : `${platform} ${arch}`;
  const why = platform === "darwin" ? "macOS has no CUDA" : `onnxruntime-node ${pin.onnxruntime} is built without its CUDA provider there`;
  return `GPU acceleration is not available on ${where}: ${why} (CUDA runs on Linux x64)`;
}

/** The provider libraries onnxruntime looks for beside itself on this platform. */
export function providerLibraries(pin: CudaPin, platform: string = process.platform, arch: string = process.arch): readonly string[] {
  return Object.keys(pin.platforms[platformKey(platform, arch)]?.files ?? {});
}
