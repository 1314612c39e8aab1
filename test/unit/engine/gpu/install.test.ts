import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { installCudaProvider, installedDir, installedProvider, type InstallProgress, MANIFEST } from "../../../../src/engine/gpu/install";
import { CUDA_PIN, type CudaPin } from "../../../../src/engine/gpu/pin";
import { hasCode } from "../../../support/errors";
import { fixturePackage, type PackageServer, pinFor, servePackage } from "../../../support/packageServer";
import { ROOT } from "../../../support/paths";

const LINUX = { platform: "linux", arch: "x64" } as const;

async function tempStorage(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "fm-cuda-"));
}

/** Nothing half-installed: no installed folder, no staging folder, and (unless kept) no partial download. */
async function assertNothingInstalled(storage: string, pin: CudaPin, keepsPartial = false): Promise<void> {
  assert.equal(installedProvider(storage, pin, LINUX.platform, LINUX.arch), undefined);
  const root = path.join(storage, "cuda");
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  assert.deepEqual(entries.filter((e) => e.startsWith(".staging-") || e.startsWith("onnxruntime-")), []);
  const downloads = await fs.readdir(path.join(root, "downloads")).catch(() => [] as string[]);
  assert.equal(downloads.length, keepsPartial ? 1 : 0, `downloads left: ${downloads.join(", ")}`);
  assert.deepEqual(entries.filter((e) => e === "install.lock"), []);
}

describe("installing the CUDA provider", () => {
  const { zip, libraries } = fixturePackage();
  let server: PackageServer;
  before(async () => (server = await servePackage(zip)));
  after(() => server.close());

  it("pins the version of the bundled onnxruntime-node, from the feed its own installer uses", () => {
    const ortPackage = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "onnxruntime-node", "package.json"), "utf8")) as { version: string };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const upstream = require(path.join(ROOT, "node_modules", "onnxruntime-node", "script", "install-metadata-versions.js")) as { nuget: { version: string }[] };
    assert.equal(CUDA_PIN.onnxruntime, ortPackage.version);
    assert.equal(CUDA_PIN.onnxruntime, upstream.nuget[0].version);
    const linux = CUDA_PIN.platforms["linux-x64"];
    assert.equal(linux.url, `https://api.nuget.org/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/${CUDA_PIN.onnxruntime}/microsoft.ml.onnxruntime.gpu.linux.${CUDA_PIN.onnxruntime}.nupkg`);
    assert.deepEqual(Object.keys(linux.files).sort(), ["libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"]);
  });

  it("installs a package whose checksum matches, with progress, and a second install does nothing", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip);
    const progress: InstallProgress[] = [];
    const first = await installCudaProvider({ storage, pin, ...LINUX, onProgress: (p) => progress.push(p) });
    assert.equal(first.already, false);
    assert.equal(first.dir, installedDir(storage, pin, "linux", "x64"));
    for (const [name, bytes] of Object.entries(libraries)) assert.deepEqual(new Uint8Array(await fs.readFile(path.join(first.dir, name))), bytes);
    const manifest = JSON.parse(await fs.readFile(path.join(first.dir, MANIFEST), "utf8")) as { onnxruntime: string; sha256: string };
    assert.equal(manifest.onnxruntime, "1.30.0");
    assert.equal(manifest.sha256, pin.platforms["linux-x64"].sha256);
    const downloaded = progress.filter((p) => p.stage === "download");
    assert.deepEqual(downloaded.at(-1), { stage: "download", received: zip.byteLength, total: zip.byteLength });
    assert.deepEqual(progress.slice(-2).map((p) => p.stage), ["verify", "extract"]);
    assert.equal(await fs.readdir(path.join(storage, "cuda", "downloads")).then((d) => d.length), 0, "the package is removed once installed");

    const asked = server.requests.length;
    const second = await installCudaProvider({ storage, pin, ...LINUX });
    assert.deepEqual(second, { dir: first.dir, already: true });
    assert.equal(server.requests.length, asked, "no request for an installed provider");
  });

  it("refuses a package whose checksum does not match and deletes it", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip, { sha256: "0".repeat(64) });
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /is not the pinned one .*expected .* sha256 0{64}\); it was deleted and nothing was installed/));
    await assertNothingInstalled(storage, pin);
  });

  it("refuses a package of the wrong size", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip, { size: zip.byteLength + 1 });
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /is not the pinned one/));
    await assertNothingInstalled(storage, pin);
  });

  it("says which address answered HTTP 404", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/missing`, zip);
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /cannot download http:\/\/127\.0\.0\.1:\d+\/missing: the server answered HTTP 404 Not Found/));
    await assertNothingInstalled(storage, pin);
  });

  it("keeps a download cut short, installs nothing, and resumes it from where it stopped", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/cut`, zip);
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /cut.* (stopped after|was interrupted).*run the command again to resume it/));
    await assertNothingInstalled(storage, pin, true);
    const result = await installCudaProvider({ storage, pin, ...LINUX });
    assert.equal(result.already, false);
    const resumed = server.requests.filter((r) => r.path === "/cut").at(-1);
    assert.match(resumed?.range ?? "", /^bytes=[1-9]\d*-$/, "the second attempt asks only for the rest");
    assert.ok(installedProvider(storage, pin, LINUX.platform, LINUX.arch));
  });

  it("stops a server that sends more than the pinned size, within a second, keeping nothing", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/endless`, zip);
    const start = Date.now();
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /\/endless sent more than the \d+ bytes pinned for it/));
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
    await assertNothingInstalled(storage, pin);
  });

  it("follows a redirect, as the feed's CDN may answer", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/redirect`, zip);
    assert.equal((await installCudaProvider({ storage, pin, ...LINUX })).already, false);
  });

  it("stops when cancelled, with nothing installed", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/stall`, zip);
    const abort = new AbortController();
    const run = installCudaProvider({ storage, pin, ...LINUX, signal: abort.signal, onProgress: (p) => p.received && p.received > 0 && abort.abort() });
    await assert.rejects(run, hasCode("CANCELLED", /cancelled/));
    assert.equal(installedProvider(storage, pin, LINUX.platform, LINUX.arch), undefined);
  });

  it("on a full disk (writes to /dev/full fail with ENOSPC) says so and leaves nothing behind", { skip: process.platform !== "linux" && "/dev/full is Linux's" }, async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip);
    const downloads = path.join(storage, "cuda", "downloads");
    await fs.mkdir(downloads, { recursive: true });
    await fs.symlink("/dev/full", path.join(downloads, "pkg.part"));
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("OUTPUT_UNWRITABLE", /cannot install the CUDA provider into .*: no space left on the disk; nothing was installed/));
    await assertNothingInstalled(storage, pin);
  });

  it("on a full tmpfs while extracting says so and leaves nothing behind (root only)", async (t) => {
    const mount = await tempStorage();
    try {
      // Room for the package but not for the libraries extracted from it.
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${Math.ceil((zip.byteLength * 1.5) / 4096) * 4}k`, "tmpfs", mount], { stdio: "ignore" });
    } catch {
      t.skip("mounting a tmpfs needs root; the /dev/full case covers a full disk");
      return;
    }
    try {
      const pin = pinFor(`${server.base}/pkg`, zip);
      await assert.rejects(installCudaProvider({ storage: mount, pin, ...LINUX }), hasCode("OUTPUT_UNWRITABLE", /no space left on the disk; nothing was installed/));
      await assertNothingInstalled(mount, pin);
    } finally {
      execFileSync("umount", [mount]);
    }
  });

  it("does not download a package whose checksum is not pinned", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip, { sha256: null, size: null });
    const asked = server.requests.length;
    await assert.rejects(installCudaProvider({ storage, pin, ...LINUX }), hasCode("CUDA_UNAVAILABLE", /no checksum pinned for Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 1\.30\.0 .*featureMaps\.cudaProviderDir/));
    assert.equal(server.requests.length, asked);
  });

  it("says why there is nothing to install on Windows and macOS", async () => {
    const storage = await tempStorage();
    const pin = pinFor(`${server.base}/pkg`, zip);
    await assert.rejects(installCudaProvider({ storage, pin, platform: "win32", arch: "x64" }), hasCode("CUDA_UNAVAILABLE", /not available on Windows: onnxruntime-node 1\.30\.0 is built without its CUDA provider there/));
    await assert.rejects(installCudaProvider({ storage, pin, platform: "darwin", arch: "arm64" }), hasCode("CUDA_UNAVAILABLE", /not available on macOS: macOS has no CUDA/));
  });
});
