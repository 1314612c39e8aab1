import { createHash } from "crypto";
import { constants, createReadStream, createWriteStream, promises as fs, readFileSync, statSync } from "fs";
import * as path from "path";
import { pipeline } from "stream/promises";
import * as yauzl from "yauzl";
import { errorCode, FeatureMapsError } from "../../shared/errors";
import { writeErrorReason } from "../formats/output";
import { download, DownloadInterrupted } from "./download";
import { CUDA_PIN, type CudaPin, cudaUnsupported, platformKey, providerLibraries, type ProviderPackage } from "./pin";

// Installs the CUDA provider into the extension's global storage, never into the extension's
// folder (an update replaces that folder, and it may not be writable). The libraries are
// extracted into a staging folder and renamed into place with their manifest, so the installed
// folder either is complete or does not exist; a second install of the same pin does nothing.

/** Written last into an installed folder: what it holds and where it came from. */
export const MANIFEST = "feature-maps-cuda.json";

export interface InstalledManifest {
  readonly onnxruntime: string;
  readonly platform: string;
  readonly package: string;
  readonly sha256: string;
  /** Each library and its size in bytes. */
  readonly files: Readonly<Record<string, number>>;
}

export type InstallStage = "download" | "verify" | "extract";

export interface InstallProgress {
  readonly stage: InstallStage;
  readonly received?: number;
  readonly total?: number;
}

export interface InstallOptions {
  /** The extension's global storage folder. */
  readonly storage: string;
  readonly pin?: CudaPin;
  readonly platform?: string;
  readonly arch?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: InstallProgress) => void;
}

export interface InstallResult {
  readonly dir: string;
  /** True when the same provider was installed already and nothing was done. */
  readonly already: boolean;
}

function cudaRoot(storage: string): string {
  return path.join(storage, "cuda");
}

/** Where the provider of this pin and platform is installed (whether or not it is yet). */
export function installedDir(storage: string, pin: CudaPin = CUDA_PIN, platform: string = process.platform, arch: string = process.arch): string {
  return path.join(cudaRoot(storage), `onnxruntime-${pin.onnxruntime}-${platformKey(platform, arch)}`);
}

/** A folder's manifest when it is a complete install of `version`: every library there at its size. */
export function readManifest(dir: string, version?: string): InstalledManifest | undefined {
  let manifest: InstalledManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), "utf8")) as InstalledManifest;
  } catch {
    return undefined;
  }
  if (typeof manifest?.onnxruntime !== "string" || (version !== undefined && manifest.onnxruntime !== version)) return undefined;
  const complete = Object.entries(manifest.files ?? {}).every(([name, size]) => {
    try {
      return statSync(path.join(dir, name)).size === size;
    } catch {
      return false;
    }
  });
  return complete ? manifest : undefined;
}

/** The installed provider's folder for this pin and platform, when an install is complete. */
export function installedProvider(storage: string, pin: CudaPin = CUDA_PIN, platform: string = process.platform, arch: string = process.arch): string | undefined {
  const dir = installedDir(storage, pin, platform, arch);
  const manifest = readManifest(dir, pin.onnxruntime);
  return manifest && providerLibraries(pin, platform, arch).every((f) => f in manifest.files) ? dir : undefined;
}

function diskError(e: unknown, where: string): FeatureMapsError {
  return new FeatureMapsError("OUTPUT_UNWRITABLE", `cannot install the CUDA provider into ${where}: ${writeErrorReason(e)}; nothing was installed`);
}

function isDiskError(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return !(e instanceof FeatureMapsError) && typeof err?.code === "string" && (err.syscall === "write" || err.syscall === "open" || err.syscall === "mkdir" || err.syscall === "rename");
}

async function sha256(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash, { signal });
  return hash.digest("hex");
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false }, (e, zip) => (e ? reject(e) : resolve(zip))));
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (e, stream) => (e ? reject(e) : resolve(stream))));
}

/** Writes the package's provider libraries into `dir`; returns each one's size. */
async function extract(archive: string, pkg: ProviderPackage, dir: string, signal?: AbortSignal): Promise<Record<string, number>> {
  const byPath = new Map(Object.entries(pkg.files).map(([name, inPackage]) => [inPackage, name]));
  const sizes: Record<string, number> = {};
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(archive);
  } catch (e) {
    throw new FeatureMapsError("CUDA_UNAVAILABLE", `${pkg.package}: the downloaded package is not a readable zip archive (${(e as Error).message}); nothing was installed`);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = byPath.get(entry.fileName);
        if (!name) return zip.readEntry();
        entryStream(zip, entry)
          .then((stream) => pipeline(stream, createWriteStream(path.join(dir, name), { mode: 0o755 }), { signal }))
          .then(() => {
            sizes[name] = entry.uncompressedSize;
            zip.readEntry();
          }, reject);
      });
      zip.on("end", resolve);
      zip.on("error", reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  const missing = Object.entries(pkg.files).find(([name]) => sizes[name] === undefined);
  if (missing) throw new FeatureMapsError("CUDA_UNAVAILABLE", `${pkg.package}: the package has no ${missing[1]}; nothing was installed`);
  return sizes;
}

/** One install at a time per storage folder: two windows would write the same partial download. */
async function lock(root: string): Promise<() => Promise<void>> {
  const file = path.join(root, "install.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => fs.rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(await fs.readFile(file, "utf8").catch(() => ""));
      if (owner > 0 && owner !== process.pid && alive(owner)) {
        throw new FeatureMapsError("CUDA_UNAVAILABLE", "another window is installing the CUDA provider; wait for it to finish");
      }
      // Left by an install that ended without cleaning up.
      await fs.rm(file, { force: true });
    }
  }
  throw new FeatureMapsError("CUDA_UNAVAILABLE", `cannot take ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Downloads the pinned CUDA provider package, checks its size and sha256, and installs its
 * provider libraries into global storage. An interrupted download resumes on the next call; a
 * package that fails its checksum, a missing file and a full disk leave nothing installed and no
 * partial file behind.
 */
export async function installCudaProvider(options: InstallOptions): Promise<InstallResult> {
  const { storage, pin = CUDA_PIN, platform = process.platform, arch = process.arch, signal, onProgress } = options;
  const pkg = pin.platforms[platformKey(platform, arch)];
  if (!pkg) throw new FeatureMapsError("CUDA_UNAVAILABLE", cudaUnsupported(pin, platform, arch) ?? "no CUDA provider for this platform");
  const dir = installedDir(storage, pin, platform, arch);
  if (readManifest(dir, pin.onnxruntime)) return { dir, already: true };
  if (!pkg.sha256 || !pkg.size) {
    throw new FeatureMapsError(
      "CUDA_UNAVAILABLE",
      `this build of Feature Maps has no checksum pinned for ${pkg.package} ${pin.onnxruntime} yet, so it does not download it; set featureMaps.cudaProviderDir to a folder that holds the provider libraries instead`,
    );
  }
  const root = cudaRoot(storage);
  try {
    await fs.mkdir(path.join(root, "downloads"), { recursive: true });
  } catch (e) {
    throw diskError(e, root);
  }
  const unlock = await lock(root);
  const part = path.join(root, "downloads", `${path.basename(new URL(pkg.url).pathname)}.part`);
  let staging: string | undefined;
  try {
    try {
      await download({ url: pkg.url, file: part, size: pkg.size, signal, onProgress: (p) => onProgress?.({ stage: "download", ...p }) });
    } catch (e) {
      // An interruption keeps the partial file for the next attempt to resume.
      if (e instanceof DownloadInterrupted || errorCode(e) === "CANCELLED") throw e;
      await fs.rm(part, { force: true });
      throw e;
    }
    onProgress?.({ stage: "verify" });
    const size = (await fs.stat(part)).size;
    const digest = await sha256(part, signal);
    if (size !== pkg.size || digest !== pkg.sha256.toLowerCase()) {
      await fs.rm(part, { force: true });
      throw new FeatureMapsError(
        "CUDA_UNAVAILABLE",
        `the downloaded ${pkg.package} is not the pinned one (${size} bytes, sha256 ${digest}; expected ${pkg.size} bytes, sha256 ${pkg.sha256}); it was deleted and nothing was installed`,
      );
    }
    onProgress?.({ stage: "extract" });
    staging = await fs.mkdtemp(path.join(root, ".staging-"));
    const files = await extract(part, pkg, staging, signal);
    const manifest: InstalledManifest = { onnxruntime: pin.onnxruntime, platform: platformKey(platform, arch), package: pkg.package, sha256: digest, files };
    await fs.writeFile(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 2));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
    staging = undefined;
    await fs.rm(part, { force: true });
    return { dir, already: false };
  } catch (e) {
    if (staging) await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    if (isDiskError(e)) {
      await fs.rm(part, { force: true }).catch(() => undefined);
      throw diskError(e, root);
    }
    if (signal?.aborted) throw new FeatureMapsError("CANCELLED", "the install was cancelled; run the command again to resume it");
    throw e;
  } finally {
    await unlock();
  }
}
