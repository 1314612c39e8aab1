import assert from "node:assert/strict";
import { existsSync, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { loadWeightsFile, readWeightsShapes } from "../../../src/engine/formats/weightsFile";
import { runCliBounded } from "../../support/bounded";
import { assertRefused, CLI_TIME_MS, refusedWith, within } from "../../support/hostileFiles";
import { REFERENCE, SAMPLE_IMAGE } from "../../support/paths";
import { bytesOf, checkpointZip, dictPickle, global, int, type Piece, PROTO2, storage, str, tensor, tuple } from "../../support/pickleBytes";

// Checkpoints that try to run code or exhaust the reader: each is refused by name, before
// anything is built, within bounded time; the payloads' marker file never appears.

let dir: string;
let marker: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-pth-hostile-"));
  marker = path.join(dir, "pwned");
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const READERS = [loadWeightsFile, readWeightsShapes];
const TIME_MS = 5_000;

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return file;
}

/** Both readers refuse the checkpoint holding `pickle`, each message matching every pattern. */
async function assertRefusedPickle(what: string, pickle: Uint8Array, ...patterns: RegExp[]): Promise<void> {
  const file = await write("c.pth", checkpointZip(pickle, { "0": new Uint8Array(16) }));
  for (const read of READERS) await within(TIME_MS, assert.rejects(read(file), refusedWith("WEIGHTS_INVALID", /^c\.pth: /, ...patterns), what));
}

/** `callable(*args)` as a pickle's __reduce__ writes it, the whole pickle being its result. */
const reduce = (module: string, name: string, ...args: Piece[]): Uint8Array => bytesOf(PROTO2, global(module, name), tuple(...args), "R.");

describe("a checkpoint whose pickle would run code", () => {
  it("is refused naming the global, by the loader and the shapes reader, and the payload never runs", async () => {
    const touch = `touch ${marker}`;
    const cases: Array<[string, Uint8Array, string]> = [
      ["os.system", reduce("os", "system", str(touch)), "os.system"],
      ["posix.system", reduce("posix", "system", str(touch)), "posix.system"],
      ["nt.system", reduce("nt", "system", str(touch)), "nt.system"],
      ["builtins.eval", reduce("builtins", "eval", str(`open(${JSON.stringify(marker)}, "w")`)), "builtins.eval"],
      ["__builtin__.exec (Python 2 name)", reduce("__builtin__", "exec", str(`open(${JSON.stringify(marker)}, "w")`)), "__builtin__.exec"],
      ["subprocess.Popen", bytesOf(PROTO2, global("subprocess", "Popen"), "(]", str("touch"), "a", str(marker), "atR."), "subprocess.Popen"],
      ["an allowed module's import of os", reduce("torch._utils", "os.system", str(touch)), "torch._utils.os.system"],
      ["an allowed function's globals", reduce("torch._utils", "_rebuild_tensor_v2.__globals__"), "torch._utils._rebuild_tensor_v2.__globals__"],
      ["torch.load itself", reduce("torch", "load", str("/etc/passwd")), "torch.load"],
    ];
    for (const [what, pickle, name] of cases) {
      await assertRefusedPickle(what, pickle, new RegExp(`refused: the pickle names the global ${name.replace(/\./g, "\\.")}, which a state_dict does not use`));
    }
    assert.equal(existsSync(marker), false, "no payload ran");
  });

  it("is refused for a bad global deep inside a state_dict that is otherwise fine", async () => {
    const nested = bytesOf("}", str("x"), "]", "(", reduce("posix", "system", str(`touch ${marker}`)).subarray(2, -1), "e", "s");
    const pickle = dictPickle([
      ["w", tensor(storage("0", "FloatStorage", 4), 0, [4], [1])],
      ["meta", nested],
    ]);
    await assertRefusedPickle("nested", pickle, /the global posix\.system/);
    assert.equal(existsSync(marker), false);
  });

  it("is refused for opcodes a state_dict does not use: INST, OBJ, NEWOBJ, EXT1, STACK_GLOBAL, PERSID", async () => {
    const cases: Array<[string, Uint8Array]> = [
      ["INST", bytesOf(PROTO2, "(", str(`touch ${marker}`), "ios\nsystem\n.")],
      ["OBJ", bytesOf(PROTO2, "(", global("collections", "OrderedDict"), "o.")],
      ["NEWOBJ", bytesOf(PROTO2, global("collections", "OrderedDict"), ")\x81.")],
      ["EXT1", bytesOf(PROTO2, "\x82\x01.")],
      ["STACK_GLOBAL", bytesOf("\x80\x04", str("os"), str("system"), "\x93.")],
      ["PERSID", bytesOf(PROTO2, "P0\n.")],
    ];
    for (const [name, pickle] of cases) await assertRefusedPickle(name, pickle, new RegExp(`refused: opcode ${name} at byte \\d+ is not one a state_dict uses`));
    assert.equal(existsSync(marker), false);
  });

  it("is refused when an allowed global is misused: a storage type called, REDUCE of a non-global, BUILD on a list, a persistent id of another type", async () => {
    await assertRefusedPickle("storage called", reduce("torch", "FloatStorage", int(4)), /refused: torch\.FloatStorage cannot be called/);
    await assertRefusedPickle("REDUCE of a dict", bytesOf(PROTO2, "})R."), /refused: REDUCE calls a dict, not an allowed global/);
    await assertRefusedPickle("BUILD on a list", bytesOf(PROTO2, "]}b."), /refused: BUILD on a list/);
    await assertRefusedPickle("a tensor of an OrderedDict", bytesOf(PROTO2, global("collections", "OrderedDict"), tuple(str("storage"), global("collections", "OrderedDict"), str("0"), str("cpu"), int(1)), "Q."), /refused: collections\.OrderedDict is not a storage type/);
  });

  it("is refused through the CLI too, as WEIGHTS_INVALID within bounds", async () => {
    const file = await write("payload.pth", checkpointZip(reduce("posix", "system", str(`touch ${marker}`))));
    const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "0", "--weights", file, "--out", path.join(dir, "x.npy")], { timeoutMs: CLI_TIME_MS });
    assertRefused(run, "WEIGHTS_INVALID", /payload\.pth: data\.pkl: refused: the pickle names the global posix\.system/);
    assert.equal(existsSync(marker), false);
  });
});

describe("a checkpoint that lies about its sizes", () => {
  it("a truncated zip is refused as not a readable zip", async () => {
    const whole = await fs.readFile(path.join(REFERENCE, "pth", "tiny.pth"));
    for (const length of [10, 200, Math.floor(whole.byteLength / 2), whole.byteLength - 10]) {
      const file = await write("cut.pth", whole.subarray(0, length));
      for (const read of READERS) await within(TIME_MS, assert.rejects(read(file), refusedWith("WEIGHTS_INVALID", /^cut\.pth: not a readable zip archive: /), `${length} bytes`));
    }
  });

  it("a storage shorter than its tensor needs is refused naming the key, by both readers", async () => {
    const cases: Array<[string, Uint8Array, Record<string, Uint8Array>, RegExp]> = [
      ["short", dictPickle([["w", tensor(storage("0", "FloatStorage", 4), 0, [4], [1])]]), { "0": new Uint8Array(8) }, /^s\.pth: w: size \[4\] at offset 0 needs 16 bytes of storage 0, which has 8$/],
      ["offset", dictPickle([["w", tensor(storage("0", "FloatStorage", 2), 1, [2], [1])]]), { "0": new Uint8Array(8) }, /^s\.pth: w: size \[2\] at offset 1 needs 12 bytes of storage 0, which has 8$/],
      ["strides", dictPickle([["w", tensor(storage("0", "DoubleStorage", 4), 0, [2, 2], [3, 1])]]), { "0": new Uint8Array(32) }, /^s\.pth: w: size \[2, 2\] at offset 0 needs 40 bytes of storage 0, which has 32$/],
      ["huge", dictPickle([["w", tensor(storage("0", "FloatStorage", 1), 0, [1e5, 1e5, 1e5], [1e10, 1e5, 1])]]), { "0": new Uint8Array(4) }, /^s\.pth: w: size \[100000, 100000, 100000\] at offset 0 needs \d+ bytes of storage 0, which has 4$/],
      ["missing", dictPickle([["w", tensor(storage("7", "FloatStorage", 1), 0, [1], [1])]]), {}, /^s\.pth: w: its storage 7 is not in the archive$/],
    ];
    for (const [what, pickle, storages, expected] of cases) {
      const file = await write("s.pth", checkpointZip(pickle, storages));
      for (const read of READERS) await within(TIME_MS, assert.rejects(read(file), refusedWith("WEIGHTS_INVALID", expected), what));
    }
  });

  it("views that would copy a storage out many times over are refused before any copy", async () => {
    const views = Array.from({ length: 2000 }, (_, i): [string, Piece] => [`v${i}`, tensor(storage("0", "FloatStorage", 1 << 20), 0, [1 << 20], [1])]);
    const file = await write("views.pth", checkpointZip(dictPickle(views), { "0": new Uint8Array(4 << 20) }));
    await within(TIME_MS, assert.rejects(loadWeightsFile(file), refusedWith("WEIGHTS_INVALID", /^views\.pth: its tensors would take 8388608000 bytes as float32, far more than the 4194304 bytes it stores$/)));
  });
});

describe("a pickle bomb", () => {
  const laughs = (levels: number): Uint8Array => {
    // Each list holds ten references to the one before: 10^levels elements if anything expanded them.
    const parts: Piece[] = [PROTO2, "]q\x00"];
    for (let i = 1; i <= levels; i++) parts.push("](", `h${String.fromCharCode(i - 1)}`.repeat(10), "e", `q${String.fromCharCode(i)}`);
    return bytesOf(...parts, ".");
  };

  it("ends with a clear error in bounded time: deep MARKs, memo references, huge lengths, a full stack, a full memo", async () => {
    await assertRefusedPickle("deep MARKs", bytesOf(PROTO2, "(".repeat(100_000), "."), /MARKs nest more than 64 deep/);
    await assertRefusedPickle("billion laughs", laughs(40), /holds no state_dict \(what was saved is not a dict\)/);
    await assertRefusedPickle("laughs in a dict", bytesOf(laughs(40).subarray(0, -1), "}", str("bomb"), "h\x28", "s."), /holds no state_dict \(a dict of tensors\); its entries are bomb/);
    await assertRefusedPickle("a 4 GiB string", bytesOf(PROTO2, "X\xff\xff\xff\xff", "abc."), /4294967295 bytes asked for at byte 7 run past the end of the pickle/);
    await assertRefusedPickle("a full stack", bytesOf(PROTO2, "N".repeat(1_100_000), "."), /more than 1048576 values on the stack/);
    const puts = Array.from({ length: 1_100_000 }, (_, i) => [0x72, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0]).flat();
    await assertRefusedPickle("a full memo", bytesOf(PROTO2, "N", puts, "."), /more than 1048576 memo entries/);
    await assertRefusedPickle("a truncated pickle", bytesOf(PROTO2, "}", str("w")).subarray(0, -1), /run past the end of the pickle/);
    await assertRefusedPickle("no STOP", bytesOf(PROTO2, "}"), /1 bytes asked for at byte 3 run past the end of the pickle/);
  });

  it("through the CLI ends with WEIGHTS_INVALID within the time and memory bounds", async () => {
    const file = await write("bomb.pth", checkpointZip(laughs(60)));
    const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "0", "--weights", file, "--out", path.join(dir, "x.npy")], { timeoutMs: CLI_TIME_MS });
    assertRefused(run, "WEIGHTS_INVALID", /bomb\.pth: holds no state_dict/);
  });
});
