import { createHash } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import { CUDA_PIN, type CudaPin, cudaUnsupported, platformKey, providerLibraries } from "./pin";
import { providerVersion } from "./providerVersion";

// onnxruntime loads its CUDA provider from the folder its own library was loaded from. The
// extension's copy of onnxruntime-node cannot receive the provider (its folder is replaced on
// update and may be read-only), so the inference process loads onnxruntime-node from a runtime
// folder in global storage: the package's JavaScript, its binding and libonnxruntime linked or
// copied from the extension, and the provider libraries linked beside them.

/** What the host tells the inference process about CUDA. */
export interface CudaSetup {
  /** The onnxruntime-node package folder the extension ships. */
  readonly bundled: string;
  /** Where the runtime folder is made: the extension's global storage. */
  readonly storage: string;
  /** The provider libraries: featureMaps.cudaProviderDir, else the installed provider, else none. */
  readonly providerDir?: string;
  /** The folder came from featureMaps.cudaProviderDir: messages name the setting. */
  readonly fromSetting?: boolean;
}

export type CudaRuntime =
  /** No provider libraries to use: onnxruntime-node loads from the extension as always. */
  | { readonly kind: "missing" }
  /** Provider libraries that cannot be used, and why; onnxruntime-node loads from the extension. */
  | { readonly kind: "unusable"; readonly reason: string }
  /** onnxruntime-node to load from `packageDir`, with the provider beside libonnxruntime in `binDir`. */
  | { readonly kind: "ready"; readonly packageDir: string; readonly binDir: string };

const STAMP = "sources.json";

function binSubdir(platform: string, arch: string): string {
  return path.join("bin", "napi-v6", platform, arch);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

interface Source {
  readonly from: string;
  /** Relative to the runtime folder. */
  readonly to: string;
  /** Provider libraries may be linked; onnxruntime's own files are linked only as hard links or copied, as the extension folder may go away. */
  readonly symlinkOk: boolean;
}

async function sources(setup: CudaSetup, providerDir: string, libraries: readonly string[], platform: string, arch: string): Promise<Source[]> {
  const common = path.join(setup.bundled, "..", "onnxruntime-common");
  const js = async (pkg: string, name: string, sub: string): Promise<Source[]> =>
    [path.join(pkg, "package.json"), ...(await filesUnder(path.join(pkg, sub)))].map((from) => ({ from, to: path.join("node_modules", name, path.relative(pkg, from)), symlinkOk: false }));
  const bin = binSubdir(platform, arch);
  const binaries = (await fs.readdir(path.join(setup.bundled, bin))).map((f) => ({ from: path.join(setup.bundled, bin, f), to: path.join("node_modules", "onnxruntime-node", bin, f), symlinkOk: false }));
  return [
    ...(await js(setup.bundled, "onnxruntime-node", "dist")),
    ...(await js(common, "onnxruntime-common", path.join("dist", "cjs"))),
    ...binaries,
    ...libraries.map((f) => ({ from: path.join(providerDir, f), to: path.join("node_modules", "onnxruntime-node", bin, f), symlinkOk: true })),
  ];
}

async function stampOf(list: readonly Source[]): Promise<string> {
  const stats = await Promise.all(list.map(async (s) => {
    const st = await fs.stat(s.from);
    return [s.from, st.size, st.mtimeMs];
  }));
  return JSON.stringify(stats);
}

async function place(source: Source, root: string): Promise<void> {
  const target = path.join(root, source.to);
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.link(source.from, target);
    return;
  } catch {
    // Another file system, or no hard links there.
  }
  if (source.symlinkOk) {
    try {
      await fs.symlink(source.from, target);
      return;
    } catch {
      // No symbolic links either (Windows without the privilege).
    }
  }
  await fs.copyFile(source.from, target);
}

async function readText(file: string): Promise<string | undefined> {
  return fs.readFile(file, "utf8").catch(() => undefined);
}

/** Where the setting's folder is named in messages by the setting, so the user knows what to change. */
function folderName(setup: CudaSetup, dir: string): string {
  return setup.fromSetting ? `featureMaps.cudaProviderDir (${dir})` : dir;
}

/**
 * Checks the provider folder (its onnxruntime version, its libraries) before anything is loaded,
 * and makes or reuses the runtime folder to load onnxruntime-node from. A folder made for the
 * same sources is reused; a new one is made beside it and renamed into place.
 */
export async function prepareCudaRuntime(setup: CudaSetup, pin: CudaPin = CUDA_PIN, platform: string = process.platform, arch: string = process.arch): Promise<CudaRuntime> {
  const dir = setup.providerDir;
  if (dir === undefined) return { kind: "missing" };
  const unsupported = cudaUnsupported(pin, platform, arch);
  if (unsupported) return { kind: "unusable", reason: unsupported };
  const needed = pin.onnxruntime;
  const bundledVersion = (JSON.parse((await readText(path.join(setup.bundled, "package.json"))) ?? "{}") as { version?: string }).version;
  if (bundledVersion !== needed) return { kind: "unusable", reason: `the extension's onnxruntime-node is ${bundledVersion ?? "missing"}, not the ${needed} its CUDA provider is pinned for` };
  const found = providerVersion(dir);
  if (!found) {
    return { kind: "unusable", reason: `${folderName(setup, dir)} does not say which onnxruntime it is from; it needs onnxruntime ${needed}'s CUDA provider (put a VERSION_NUMBER file holding ${needed} beside the libraries)` };
  }
  if (found.version !== needed) {
    return { kind: "unusable", reason: `${folderName(setup, dir)} holds onnxruntime ${found.version}'s CUDA provider (${path.basename(found.from)}); Feature Maps needs onnxruntime ${needed}'s` };
  }
  const libraries = providerLibraries(pin, platform, arch);
  const absent = [];
  for (const f of libraries) if (!(await fs.stat(path.join(dir, f)).catch(() => undefined))?.isFile()) absent.push(f);
  if (absent.length > 0) return { kind: "unusable", reason: `${folderName(setup, dir)} has no ${absent.join(" or ")}` };

  const list = await sources(setup, dir, libraries, platform, arch);
  const stamp = await stampOf(list);
  const hash = createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 12);
  const root = path.join(setup.storage, "cuda", `runtime-${needed}-${platformKey(platform, arch)}-${hash}`);
  const ready = { kind: "ready", packageDir: path.join(root, "node_modules", "onnxruntime-node"), binDir: path.join(root, "node_modules", "onnxruntime-node", binSubdir(platform, arch)) } as const;
  if ((await readText(path.join(root, STAMP))) === stamp) return ready;
  await fs.mkdir(path.dirname(root), { recursive: true });
  const staging = await fs.mkdtemp(`${root}.staging-`);
  try {
    for (const s of list) await place(s, staging);
    await fs.writeFile(path.join(staging, STAMP), stamp);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rename(staging, root);
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    // Another inference process made the same folder meanwhile.
    if ((await readText(path.join(root, STAMP))) === stamp) return ready;
    return { kind: "unusable", reason: `cannot prepare ${root} to load the CUDA provider from (${(e as Error).message})` };
  }
  return ready;
}
