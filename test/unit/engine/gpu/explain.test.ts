import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { describe, it } from "node:test";
import { failingLibrary, nvidiaPresent, parseLoadError } from "../../../../src/engine/gpu/detect";
import { type CudaFacts, explainCudaFailure } from "../../../../src/engine/gpu/explain";
import { providerVersion } from "../../../../src/engine/gpu/providerVersion";
import { CUDA_PIN, cudaUnsupported } from "../../../../src/engine/gpu/pin";
import { ROOT } from "../../../support/paths";

const READY = { kind: "ready", packageDir: "/s/ort", binDir: "/s/ort/bin" } as const;
const base: CudaFacts = { wanted: "auto", gpu: false, runtime: { kind: "missing" }, detail: "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library" };

describe("what a CUDA failure tells the user", () => {
  it("stays quiet under auto without an NVIDIA GPU, whatever the provider's state", () => {
    for (const runtime of [{ kind: "missing" }, { kind: "unusable", reason: "x" }, READY] as const) {
      assert.deepEqual(explainCudaFailure({ ...base, runtime }), { reason: "No NVIDIA GPU was found, so onnxruntime runs on the CPU", quiet: true, installable: false });
    }
  });

  it("warns with the install command when a GPU is there or CUDA was asked for and the provider is missing", () => {
    for (const facts of [{ ...base, gpu: true }, { ...base, wanted: "cuda" as const }]) {
      assert.deepEqual(explainCudaFailure(facts), { reason: "CUDA could not be used: its provider (libonnxruntime_providers_cuda.so) is not installed", quiet: false, installable: true });
    }
  });

  it("names the library that failed, and NVIDIA's libraries as what to install when one of theirs is missing", () => {
    const cudnn = explainCudaFailure({ ...base, gpu: true, runtime: READY, failed: { library: "libcudnn.so.9", why: "cannot open shared object file: No such file or directory" } });
    assert.deepEqual(cudnn, { reason: "CUDA could not be used: libcudnn.so.9 is missing: the CUDA provider needs NVIDIA's CUDA 12 and cuDNN 9 libraries installed", quiet: false, installable: false });
    const own = explainCudaFailure({ ...base, wanted: "cuda", runtime: READY, failed: { library: "libonnxruntime_providers_cuda.so", why: "invalid ELF header" } });
    assert.equal(own.reason, "CUDA could not be used: libonnxruntime_providers_cuda.so could not be loaded (invalid ELF header)");
    const driver = explainCudaFailure({ ...base, gpu: true, runtime: READY, detail: "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version" });
    assert.equal(driver.reason, "CUDA could not be used: CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version");
  });

  it("passes on why a provider folder cannot be used, and says where CUDA cannot run at all", () => {
    assert.deepEqual(explainCudaFailure({ ...base, gpu: true, runtime: { kind: "unusable", reason: "D holds onnxruntime 1.29.0's CUDA provider" } }), {
      reason: "CUDA could not be used: D holds onnxruntime 1.29.0's CUDA provider",
      quiet: false,
      installable: false,
    });
    const windows = cudaUnsupported(CUDA_PIN, "win32", "x64") ?? "";
    assert.deepEqual(explainCudaFailure({ ...base, gpu: true, unsupported: windows }), { reason: windows, quiet: true, installable: false });
    assert.equal(explainCudaFailure({ ...base, wanted: "cuda", unsupported: windows }).quiet, false);
    assert.equal(cudaUnsupported(CUDA_PIN, "linux", "x64"), undefined);
    assert.match(cudaUnsupported(CUDA_PIN, "linux", "arm64") ?? "", /not available on linux arm64/);
  });

  it("finds an NVIDIA GPU from the driver's /proc entry or nvidia-smi, and nowhere else", () => {
    const probe = (platform: string, proc: boolean, smi: boolean) => ({ platform, exists: () => proc, smiRuns: () => smi });
    assert.equal(nvidiaPresent(probe("linux", true, false)), true);
    assert.equal(nvidiaPresent(probe("linux", false, true)), true);
    assert.equal(nvidiaPresent(probe("linux", false, false)), false);
    assert.equal(nvidiaPresent(probe("win32", true, false)), false);
    assert.equal(nvidiaPresent(probe("win32", false, true)), true);
    assert.equal(nvidiaPresent(probe("darwin", true, true)), false);
  });

  it("reads the failing library out of the loader's message", () => {
    assert.deepEqual(parseLoadError("libcublasLt.so.12: cannot open shared object file: No such file or directory"), { library: "libcublasLt.so.12", why: "cannot open shared object file: No such file or directory" });
    assert.deepEqual(parseLoadError("/home/u/.config/Code/User/globalStorage/x/libonnxruntime_providers_cuda.so: undefined symbol: Provider_GetHost"), {
      library: "libonnxruntime_providers_cuda.so",
      why: "undefined symbol: Provider_GetHost",
    });
    assert.equal(parseLoadError("Failed to load shared library"), undefined);
  });

  it("names a provider's missing dependency by loading it", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-probe-"));
    // The binding needs libonnxruntime.so.1 beside it; alone, it stands for a provider whose dependency is missing.
    await fs.copyFile(path.join(ROOT, "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "x64", "onnxruntime_binding.node"), path.join(dir, "libonnxruntime_providers_cuda.so"));
    assert.deepEqual(failingLibrary(dir, ["libonnxruntime_providers_cuda.so"]), { library: "libonnxruntime.so.1", why: "cannot open shared object file: No such file or directory" });
    assert.equal(failingLibrary(path.dirname(process.execPath), []), undefined);
  });
});

describe("which onnxruntime a provider folder is from", () => {
  async function tree(files: Readonly<Record<string, string>>): Promise<string> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "fm-version-"));
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await fs.writeFile(path.join(root, name), text);
    }
    return root;
  }

  it("reads an onnxruntime-gpu wheel, a release archive, an unpacked NuGet package and our own install", async () => {
    const wheel = await tree({ "onnxruntime/__init__.py": '"""ONNX Runtime"""\n__version__ = "1.30.0"\n', "onnxruntime/capi/libonnxruntime_providers_cuda.so": "" });
    assert.equal(providerVersion(path.join(wheel, "onnxruntime", "capi"))?.version, "1.30.0");
    const release = await tree({ "VERSION_NUMBER": "1.29.1\n", "lib/libonnxruntime_providers_cuda.so": "" });
    assert.equal(providerVersion(path.join(release, "lib"))?.version, "1.29.1");
    const soname = await tree({ "lib/libonnxruntime.so.1.28.0": "" });
    assert.deepEqual(providerVersion(path.join(soname, "lib")), { version: "1.28.0", from: path.join(soname, "lib", "libonnxruntime.so.1.28.0") });
    const nuget = await tree({ "Microsoft.ML.OnnxRuntime.Gpu.Linux.nuspec": "<package><metadata><id>x</id><version>1.30.0</version></metadata></package>", "runtimes/linux-x64/native/libonnxruntime_providers_cuda.so": "" });
    assert.equal(providerVersion(path.join(nuget, "runtimes", "linux-x64", "native"))?.version, "1.30.0");
    const ours = await tree({ "feature-maps-cuda.json": JSON.stringify({ onnxruntime: "1.30.0" }) });
    assert.equal(providerVersion(ours)?.version, "1.30.0");
    assert.equal(providerVersion(await tree({ "libonnxruntime_providers_cuda.so": "" })), undefined);
  });

  it("does not wait on a FIFO where a version note would be", async () => {
    const dir = await tree({ "libonnxruntime_providers_cuda.so": "" });
    execFileSync("mkfifo", [path.join(dir, "VERSION_NUMBER")]);
    const start = Date.now();
    assert.equal(providerVersion(dir), undefined);
    assert.ok(Date.now() - start < 1000);
  });
});
