import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { loadSafetensors, readSafetensors, readSafetensorsHeader } from "../../../src/engine/formats/safetensors";
import { planArchitecture } from "../../../src/engine/model/architecture";
import { initialWeights } from "../../../src/engine/model/weights";
import { xaiArchitecture } from "../../../src/engine/model/xaiArchitecture";
import { runCliBounded } from "../../support/bounded";
import { assertRefused, CLI_TIME_MS, mixedSafetensors, rawSafetensors, type RawTensor, refusedWith } from "../../support/hostileFiles";
import { SAMPLE_IMAGE } from "../../support/paths";

// safetensors headers that lie: every entry is checked before a tensor is read, and every
// refusal names the file and, where there is one, the key.

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-safetensors-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: "F32", shape, data_offsets: [begin, end] });

function withHeaderLength(length: bigint, rest: Uint8Array = new Uint8Array(8)): Uint8Array {
  const out = new Uint8Array(8 + rest.byteLength);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

const BROKEN: Array<[string, Uint8Array, RegExp]> = [
  ["null", rawSafetensors(null), /^w\.safetensors: not a readable safetensors file: header is null, not a JSON object$/],
  ["an array", rawSafetensors([f32([1], 0, 4)], new Uint8Array(4)), /^w\.safetensors: not a readable safetensors file: header is an array, not a JSON object$/],
  ["a number", rawSafetensors(7), /^w\.safetensors: not a readable safetensors file: header is a number, not a JSON object$/],
  ["not JSON", withHeaderLength(4n, new TextEncoder().encode("{no}")), /^w\.safetensors: not a readable safetensors file: header is not JSON/],
  ["not UTF-8", withHeaderLength(2n, Uint8Array.from([0xff, 0xfe])), /^w\.safetensors: not a readable safetensors file: header is not JSON/],
  ["a 1 TiB header length", withHeaderLength(1n << 40n), /^w\.safetensors: not a readable safetensors file: header length 1099511627776 is more than the 16777216 bytes/],
  ["a header length past the end", withHeaderLength(100n), /^w\.safetensors: not a readable safetensors file: header length 100 runs past the end of the file \(16 bytes\)$/],
  ["shorter than 8 bytes", new Uint8Array(3), /^w\.safetensors: not a readable safetensors file: shorter than its 8-byte header length$/],
  ["an entry that is not an object", rawSafetensors({ a: 5 }), /^w\.safetensors: a: a number, not a tensor \{dtype, shape, data_offsets\}$/],
  ["an unknown dtype", rawSafetensors({ a: { dtype: "Q4", shape: [2], data_offsets: [0, 1] } }, new Uint8Array(1)), /^w\.safetensors: a: dtype "Q4" is not one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL$/],
  ["a missing dtype", rawSafetensors({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /^w\.safetensors: a: dtype undefined is not one of/],
  ["shape [1e9, 1e9]", rawSafetensors({ a: f32([1e9, 1e9], 0, 4) }, new Uint8Array(4)), /^w\.safetensors: a: shape \[1000000000, 1000000000\] has more elements than any file holds$/],
  ["shape [1e5, 1e5]", rawSafetensors({ a: f32([1e5, 1e5], 0, 4) }, new Uint8Array(4)), /^w\.safetensors: a: shape \[100000, 100000\] of F32 takes 40000000000 bytes, but data_offsets \[0, 4\] span 4$/],
  ["a negative dimension", rawSafetensors({ a: f32([-1], 0, 4) }, new Uint8Array(4)), /^w\.safetensors: a: shape \[-1\] is not a list of non-negative whole numbers$/],
  ["a fractional dimension", rawSafetensors({ a: f32([1.5], 0, 4) }, new Uint8Array(4)), /^w\.safetensors: a: shape \[1\.5\] is not a list/],
  ["a shape that is not a list", rawSafetensors({ a: { dtype: "F32", shape: null, data_offsets: [0, 4] } }, new Uint8Array(4)), /^w\.safetensors: a: shape null is not a list/],
  ["reversed offsets", rawSafetensors({ a: f32([0], 4, 0) }, new Uint8Array(4)), /^w\.safetensors: a: data_offsets \[4,0\] is not \[begin, end\] with begin <= end$/],
  ["offsets past the end", rawSafetensors({ a: f32([4], 0, 16) }, new Uint8Array(8)), /^w\.safetensors: a: data_offsets \[0, 16\] run past the end of the file \(its data section has 8 bytes\)$/],
  ["a shape that does not fill its bytes", rawSafetensors({ a: f32([3], 0, 8) }, new Uint8Array(8)), /^w\.safetensors: a: shape \[3\] of F32 takes 12 bytes, but data_offsets \[0, 8\] span 8$/],
  ["overlapping tensors", rawSafetensors({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, new Uint8Array(12)), /^w\.safetensors: b: bytes \[4, 12\] overlap a's \[0, 8\]$/],
  ["a tensor inside another", rawSafetensors({ a: f32([4], 0, 16), b: f32([1], 8, 12), c: f32([1], 4, 8) }, new Uint8Array(16)), /^w\.safetensors: (b|c): bytes \[\d+, \d+\] overlap a's \[0, 16\]$/],
  ["metadata that is not text", rawSafetensors({ __metadata__: { format: 1 } }), /^w\.safetensors: __metadata__: must map names to strings$/],
];

describe("a safetensors file whose header lies", () => {
  it("is refused with WEIGHTS_INVALID naming the file and key, by the full reader and the header reader alike", async () => {
    for (const [what, bytes, expected] of BROKEN) {
      assert.throws(() => readSafetensors(bytes, "w.safetensors"), refusedWith("WEIGHTS_INVALID", expected), what);
      const file = path.join(dir, "w.safetensors");
      await fs.writeFile(file, bytes);
      await assert.rejects(readSafetensorsHeader(file), refusedWith("WEIGHTS_INVALID", expected), what);
    }
  });

  it("is accepted when tensors touch, leave gaps or hold nothing", () => {
    const bytes = rawSafetensors({ a: f32([1], 0, 4), empty: f32([0, 3], 4, 4), b: f32([1], 8, 12), scalar: f32([], 4, 8) }, new Uint8Array(12));
    const tensors = readSafetensors(bytes, "w.safetensors");
    assert.deepEqual([...tensors.keys()], ["a", "empty", "b", "scalar"]);
    assert.deepEqual(tensors.get("empty")?.shape, [0, 3]);
  });

  it("through the CLI: header null and shape [1e9, 1e9] are one line naming the file and key, in bounded time and memory", async () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ["null.safetensors", rawSafetensors(null), /null\.safetensors: not a readable safetensors file: header is null, not a JSON object/],
      ["huge.safetensors", rawSafetensors({ "features.0.weight": f32([1e9, 1e9], 0, 4) }, new Uint8Array(4)), /huge\.safetensors: features\.0\.weight: shape \[1000000000, 1000000000\] has more elements than any file holds/],
    ];
    for (const [name, bytes, expected] of cases) {
      await fs.writeFile(path.join(dir, name), bytes);
      const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "0", "--weights", path.join(dir, name), "--out", path.join(dir, "x.npy")], { timeoutMs: CLI_TIME_MS });
      assertRefused(run, "WEIGHTS_INVALID", expected);
    }
  });
});

describe("a PyTorch state_dict with integer and bool entries", () => {
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  /** The XAI model's seed-3 weights as torch.save would lay them out, with BatchNorm's int64 counters. */
  function stateDict(): Map<string, RawTensor> {
    const out = new Map<string, RawTensor>();
    for (const [key, t] of initialWeights(planArchitecture(xaiArchitecture(), 100, 100), 3)) {
      out.set(key, { dtype: "F32", shape: t.shape, bytes: bytesOf(t.data) });
      if (key.endsWith(".running_var")) out.set(key.replace(/running_var$/, "num_batches_tracked"), { dtype: "I64", shape: [], bytes: bytesOf(BigInt64Array.of(1234n)) });
    }
    return out;
  }

  it("loads, the integer and bool tensors left out of the weight map", async () => {
    const tensors = stateDict();
    tensors.set("mask", { dtype: "BOOL", shape: [3], bytes: Uint8Array.of(1, 0, 1) });
    tensors.set("ids", { dtype: "I32", shape: [2], bytes: bytesOf(Int32Array.of(7, 8)) });
    tensors.set("pixels", { dtype: "U8", shape: [2], bytes: Uint8Array.of(1, 2) });
    const file = path.join(dir, "state_dict.safetensors");
    await fs.writeFile(file, mixedSafetensors(tensors));
    const header = await readSafetensorsHeader(file);
    assert.equal(header.entries.get("features.1.num_batches_tracked")?.dtype, "I64");
    const loaded = await loadSafetensors(file);
    assert.ok(loaded.has("features.1.running_var"));
    for (const key of loaded.keys()) assert.doesNotMatch(key, /num_batches_tracked|^mask$|^ids$|^pixels$/);
    assert.equal(loaded.size, [...tensors.values()].filter((t) => t.dtype === "F32").length);
  });

  it("runs through the CLI to the same layer values as the seed it holds", async () => {
    const file = path.join(dir, "sd.safetensors");
    await fs.writeFile(file, mixedSafetensors(stateDict()));
    const fromFile = path.join(dir, "file.npy");
    const fromSeed = path.join(dir, "seed.npy");
    const a = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "features.10", "--weights", file, "--out", fromFile], { timeoutMs: CLI_TIME_MS });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "features.10", "--seed", "3", "--out", fromSeed], { timeoutMs: CLI_TIME_MS });
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(await fs.readFile(fromFile), await fs.readFile(fromSeed));
  });
});
