import assert from "node:assert/strict";
import { promises as fs, readFileSync, realpathSync } from "fs";
import * as os from "os";
import * as path from "path";
import { after, describe, it } from "node:test";
import { prepareCudaRuntime, type CudaSetup } from "../../../../src/engine/gpu/runtime";
import { EngineClient } from "../../../../src/engine/run/engineClient";
import { BUILTIN_MODEL } from "../../../../src/engine/model/models";
import { hasNvidiaGpu } from "../../../../src/engine/gpu/detect";
import { hasCode } from "../../../support/errors";
import { ENGINE_PROCESS, ROOT, SAMPLE_IMAGE } from "../../../support/paths";

// The inference process loading onnxruntime-node from a runtime folder in global storage, with
// the real CPU binaries: provider libraries of the right version that cannot load (no GPU here),
// and of the wrong version.

const BUNDLED = path.join(ROOT, "node_modules", "onnxruntime-node");
/** As the loader maps it: node_modules may be a link. */
const BUNDLED_LIBRARY = realpathSync(path.join(BUNDLED, "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1"));
const analyze = { input: { image: SAMPLE_IMAGE }, model: BUILTIN_MODEL };
const LIBRARIES = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"];

async function providerFolder(version: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-provider-"));
  await fs.writeFile(path.join(dir, "VERSION_NUMBER"), `${version}\n`);
  // Not libraries at all: what a broken copy looks like to the loader.
  for (const f of LIBRARIES) await fs.writeFile(path.join(dir, f), `not a library: ${f}`);
  return dir;
}

/** The libonnxruntime a process has mapped, from /proc/<pid>/maps. */
function loadedOnnxruntime(pid: number): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  return [...new Set(maps.split("\n").map((l) => l.split(/\s+/).slice(5).join(" ")).filter((f) => /libonnxruntime\.so/.test(f)))];
}

async function features30(client: EngineClient): Promise<Uint8Array> {
  return client.call("npy", { analyze, layer: "features.30" });
}

describe("loading onnxruntime beside a CUDA provider", { skip: process.platform !== "linux" || process.arch !== "x64" ? "the CUDA provider is Linux x64 only" : false }, () => {
  const clients: EngineClient[] = [];
  after(() => clients.forEach((c) => c.stop()));
  const start = (options: ConstructorParameters<typeof EngineClient>[1]): EngineClient => {
    const c = new EngineClient(ENGINE_PROCESS, options, undefined, { timeoutMs: 120_000 });
    clients.push(c);
    return c;
  };

  it("runs the real CPU binaries from the runtime folder with the same results, and names the library that fails", async () => {
    const storage = await fs.mkdtemp(path.join(os.tmpdir(), "fm-storage-"));
    const providerDir = await providerFolder("1.30.0");
    const cuda: CudaSetup = { bundled: BUNDLED, storage, providerDir, fromSetting: true };
    const plain = start({ provider: "cpu" });
    const beside = start({ provider: "auto", cuda });
    const result = await beside.call("analyze", { analyze });
    assert.equal(result.model.provider.used, "cpu");
    assert.equal(result.model.provider.quiet, hasNvidiaGpu() ? undefined : true);
    assert.deepEqual(await features30(beside), await features30(plain), "the same features.30, byte for byte");
    const { pid } = await beside.call("status", {});
    const loaded = loadedOnnxruntime(pid);
    assert.equal(loaded.length, 1, loaded.join(", "));
    assert.ok(loaded[0].startsWith(path.join(storage, "cuda", "runtime-1.30.0-linux-x64-")), `loaded from ${loaded[0]}`);
    assert.deepEqual(loadedOnnxruntime((await plain.call("status", {})).pid), [BUNDLED_LIBRARY]);

    const asked = start({ provider: "cuda", cuda });
    await assert.rejects(asked.call("analyze", { analyze }), hasCode("CUDA_UNAVAILABLE", /^CUDA could not be used: libonnxruntime_providers_shared\.so could not be loaded \((invalid ELF header|file too short)\)\.$/));
  });

  it("checks the provider's version before loading it: a mismatch says which is needed, and the CPU keeps working", async () => {
    const storage = await fs.mkdtemp(path.join(os.tmpdir(), "fm-storage-"));
    const providerDir = await providerFolder("1.29.0");
    const cuda: CudaSetup = { bundled: BUNDLED, storage, providerDir, fromSetting: true };
    const asked = start({ provider: "cuda", cuda });
    const dir = providerDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const needed = new RegExp(`featureMaps\\.cudaProviderDir \\(${dir}\\) holds onnxruntime 1\\.29\\.0's CUDA provider \\(VERSION_NUMBER\\); Feature Maps needs onnxruntime 1\\.30\\.0's`);
    await assert.rejects(asked.call("analyze", { analyze }), hasCode("CUDA_UNAVAILABLE", needed));
    const auto = start({ provider: "auto", cuda });
    assert.equal((await auto.call("analyze", { analyze })).model.provider.used, "cpu");
    const { pid } = await auto.call("status", {});
    assert.deepEqual(loadedOnnxruntime(pid), [BUNDLED_LIBRARY], "nothing loaded from the wrong provider's runtime");
    assert.deepEqual(await fs.readdir(path.join(storage, "cuda")).catch(() => []), [], "no runtime folder made");
  });

  it("reuses the runtime folder for the same sources and remakes it when they change", async () => {
    const storage = await fs.mkdtemp(path.join(os.tmpdir(), "fm-storage-"));
    const providerDir = await providerFolder("1.30.0");
    const setup: CudaSetup = { bundled: BUNDLED, storage, providerDir };
    const first = await prepareCudaRuntime(setup);
    assert.equal(first.kind, "ready");
    if (first.kind !== "ready") return;
    const binding = path.join(first.binDir, "onnxruntime_binding.node");
    const made = (await fs.stat(binding)).ino;
    assert.deepEqual(await prepareCudaRuntime(setup), first);
    assert.equal((await fs.stat(binding)).ino, made, "the same folder, not made again");
    await fs.writeFile(path.join(providerDir, LIBRARIES[1]), "a newer provider");
    await prepareCudaRuntime(setup);
    assert.equal(await fs.readFile(path.join(first.binDir, LIBRARIES[1]), "utf8"), "a newer provider");
    assert.deepEqual((await fs.readdir(path.join(storage, "cuda"))).filter((d) => d.includes("staging")), []);
  });

  it("refuses a folder that lacks a provider library, or does not say its version", async () => {
    const storage = await fs.mkdtemp(path.join(os.tmpdir(), "fm-storage-"));
    const providerDir = await providerFolder("1.30.0");
    await fs.rm(path.join(providerDir, LIBRARIES[1]));
    assert.deepEqual(await prepareCudaRuntime({ bundled: BUNDLED, storage, providerDir }), { kind: "unusable", reason: `${providerDir} has no libonnxruntime_providers_cuda.so` });
    await fs.rm(path.join(providerDir, "VERSION_NUMBER"));
    const unknown = await prepareCudaRuntime({ bundled: BUNDLED, storage, providerDir, fromSetting: true });
    assert.equal(unknown.kind, "unusable");
    assert.match(unknown.kind === "unusable" ? unknown.reason : "", /^featureMaps\.cudaProviderDir \(.*\) does not say which onnxruntime it is from; it needs onnxruntime 1\.30\.0's CUDA provider/);
  });
});
