import assert from "node:assert/strict";
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { promisify } from "util";
import { writeOutputFile } from "../../../src/engine/formats/output";
import { runCliBounded } from "../../support/bounded";
import { assertRefused, CLI_TIME_MS, mkfifo, refusedWith } from "../../support/hostileFiles";
import { CLI, SAMPLE_IMAGE } from "../../support/paths";

// Outputs are written whole or not at all: a write that fails leaves any original as it was and
// no partial or temporary file; a target that is not a regular file is refused before writing.

let dir: string;
const at = (...parts: string[]): string => path.join(dir, ...parts);
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-outputs-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const ORIGINAL = "the user's own file, not to be lost\n";

/** The CLI under a file-size limit of `kib` KiB: a write past it fails with EFBIG, as on a full disk. */
async function cliWithFileLimit(kib: number, ...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)("bash", ["-c", `ulimit -f ${kib}; exec "$0" "$@"`, process.execPath, CLI, ...args], { timeout: CLI_TIME_MS });
    return { code: 0, stderr: "" };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

async function listing(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).sort();
}

describe("CLI outputs", () => {
  it("--out /dev/full, a FIFO or a folder is refused before the model runs, and left as it was", async () => {
    mkfifo(at("pipe.npy"));
    await fs.mkdir(at("folder.npy"));
    assertRefused(await runCliBounded(["weights", "--seed", "1", "--out", "/dev/full"], { timeoutMs: CLI_TIME_MS }), "OUTPUT_UNWRITABLE", /\/dev\/full: cannot write the file \(a device, not a file\)/);
    const dump = (out: string) => runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "0", "--out", out], { timeoutMs: CLI_TIME_MS });
    assertRefused(await dump("/dev/full"), "OUTPUT_UNWRITABLE", /\/dev\/full: cannot write the file \(a device, not a file\)/);
    assertRefused(await dump(at("pipe.npy")), "OUTPUT_UNWRITABLE", /pipe\.npy: cannot write the file \(a named pipe, not a file\)/);
    assertRefused(await dump(at("folder.npy")), "OUTPUT_UNWRITABLE", /folder\.npy: cannot write the file \(a folder, not a file\)/);
    const render = await runCliBounded(["render", SAMPLE_IMAGE, "--layer", "0", "--out", "/dev/full"], { timeoutMs: CLI_TIME_MS });
    assertRefused(render, "OUTPUT_UNWRITABLE", /\/dev\/full: cannot write the file \(a device, not a file\)/);
    assert.doesNotMatch(render.stderr, /channels/, "refused before rendering");
    assert.ok((await fs.stat(at("pipe.npy"))).isFIFO(), "the FIFO is still a FIFO");
    assert.ok((await fs.stat("/dev/full")).isCharacterDevice());
    assert.deepEqual(await listing(dir), ["folder.npy", "pipe.npy"]);
  });

  it("a write that fails (EFBIG under a file-size limit) keeps the existing file byte for byte and leaves no temporary file", async () => {
    const folder = at("limited");
    await fs.mkdir(folder);
    const kept = path.join(folder, "kept.npy");
    await fs.writeFile(kept, ORIGINAL);
    // features.0 is 64 x 98 x 98 float32, 2.4 MB: far past a 64 KiB limit.
    for (const [args, out] of [
      [["dump", SAMPLE_IMAGE, "--layer", "0", "--out", kept], kept],
      [["render", SAMPLE_IMAGE, "--layer", "0", "--grid", "8x8", "--out", path.join(folder, "kept.png")], path.join(folder, "kept.png")],
      [["weights", "--seed", "1", "--out", path.join(folder, "new.safetensors")], path.join(folder, "new.safetensors")],
    ] as const) {
      if (out.endsWith(".png")) await fs.writeFile(out, ORIGINAL);
      const run = await cliWithFileLimit(64, ...args);
      assert.equal(run.code, 1, run.stderr);
      const name = path.basename(out).replace(/\./g, "\\.");
      const unchanged = out.endsWith(".safetensors") ? "" : "; the existing file is unchanged";
      assert.match(run.stderr, new RegExp(`^feature-maps: .*${name}: cannot write the file \\(the file would be larger than the system allows\\)${unchanged} \\[OUTPUT_UNWRITABLE\\]\\n$`));
    }
    assert.equal(await fs.readFile(kept, "utf8"), ORIGINAL);
    assert.equal(await fs.readFile(path.join(folder, "kept.png"), "utf8"), ORIGINAL);
    assert.deepEqual(await listing(folder), ["kept.npy", "kept.png"], "no partial new file, no temporary file");
  });

  it("the same writes succeed without the limit, replacing the file", async () => {
    const out = at("replaced.npy");
    await fs.writeFile(out, ORIGINAL);
    const run = await cliWithFileLimit(64 * 1024, "dump", SAMPLE_IMAGE, "--layer", "0", "--out", out);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await fs.stat(out)).size, 128 + 64 * 98 * 98 * 4);
  });
});

describe("writeOutputFile", () => {
  it("replaces a file whole, keeping its permissions", async () => {
    const file = at("mode.bin");
    await fs.writeFile(file, ORIGINAL, { mode: 0o640 });
    await fs.chmod(file, 0o640);
    await writeOutputFile(file, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...(await fs.readFile(file))], [1, 2, 3]);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o640);
  });

  it("writes through a link to the file it names, and the link stays a link", async () => {
    const target = at("target.bin");
    const link = at("link.bin");
    await fs.writeFile(target, ORIGINAL);
    await fs.symlink(target, link);
    await writeOutputFile(link, Uint8Array.of(9));
    assert.ok((await fs.lstat(link)).isSymbolicLink());
    assert.deepEqual([...(await fs.readFile(target))], [9]);
  });

  it("refuses a missing folder or a device with OUTPUT_UNWRITABLE naming the file", async () => {
    await assert.rejects(writeOutputFile(at("no-such-folder", "x.npy"), Uint8Array.of(1)), refusedWith("OUTPUT_UNWRITABLE", /no-such-folder\/x\.npy: cannot write the file \(its folder does not exist\)$/));
    await assert.rejects(writeOutputFile("/dev/null", Uint8Array.of(1)), refusedWith("OUTPUT_UNWRITABLE", /^\/dev\/null: cannot write the file \(a device, not a file\)$/));
    assert.ok((await fs.stat("/dev/null")).isCharacterDevice(), "/dev/null is still the device");
  });
});
