import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { loadSafetensors } from "../../../../src/engine/formats/safetensors";
import { loadWeightsFile, readWeightsShapes } from "../../../../src/engine/formats/weightsFile";
import { readModelConfig, weightsProblems } from "../../../../src/engine/model/config";
import type { WeightMap } from "../../../../src/engine/model/weights";
import { runCliBounded } from "../../../support/bounded";
import { CLI_TIME_MS, refusedWith } from "../../../support/hostileFiles";
import { REFERENCE, SAMPLE_IMAGE } from "../../../support/paths";
import { checkpointZip, dictPickle, storage, tensor } from "../../../support/pickleBytes";

// torch.save checkpoints written by PyTorch itself (scripts/make_pth_fixtures.py) read to the
// same float32 weights as the same state_dict saved as safetensors.

const PTH = path.join(REFERENCE, "pth");
const at = (name: string): string => path.join(PTH, name);

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-pth-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

function assertSameWeights(got: WeightMap, expected: WeightMap): void {
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [key, t] of expected) {
    const g = got.get(key);
    assert.ok(g, key);
    assert.deepEqual(g.shape, t.shape, key);
    // Bit for bit: NaN payloads and -0 included.
    assert.deepEqual(new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), key);
  }
}

describe("torch.save checkpoints", () => {
  it("a state_dict reads to the same float32 weights as its safetensors twin; num_batches_tracked (int64) is left out", async () => {
    const expected = await loadSafetensors(at("tiny.safetensors"));
    const got = await loadWeightsFile(at("tiny.pth"));
    assertSameWeights(got, expected);
    assert.equal(got.has("features.1.num_batches_tracked"), false);
    assert.deepEqual([...got.keys()], [...expected.keys()], "the file's order");
  });

  it("a checkpoint dict holding it under state_dict with DataParallel's module. prefix, and torch.compile's _orig_mod. in a .bin, read the same", async () => {
    const expected = await loadSafetensors(at("tiny.safetensors"));
    assertSameWeights(await loadWeightsFile(at("tiny-checkpoint.pth")), expected);
    assertSameWeights(await loadWeightsFile(at("tiny-compiled.bin")), expected);
  });

  it("parameters saved as nn.Parameter (state_dict(keep_vars=True)) read the same", async () => {
    assertSameWeights(await loadWeightsFile(at("tiny-params.pth")), await loadSafetensors(at("tiny.safetensors")));
  });

  it("two state_dicts: the error lists both; a key picks one", async () => {
    await assert.rejects(loadWeightsFile(at("tiny-two.pth")), refusedWith("WEIGHTS_INVALID", /^tiny-two\.pth: holds several state_dicts \(model, ema\): choose one with --weights-key or the config's weights\.key$/));
    assertSameWeights(await loadWeightsFile(at("tiny-two.pth"), "ema"), await loadSafetensors(at("tiny-ema.safetensors")));
    assertSameWeights(await loadWeightsFile(at("tiny-two.pth"), "model"), await loadSafetensors(at("tiny.safetensors")));
    await assert.rejects(loadWeightsFile(at("tiny-two.pth"), "best"), refusedWith("WEIGHTS_INVALID", /^tiny-two\.pth: has no entry "best"; its entries are model, ema$/));
    await assert.rejects(loadWeightsFile(at("tiny.safetensors"), "ema"), refusedWith("WEIGHTS_INVALID", /tiny\.safetensors: a safetensors file holds one state_dict/));
  });

  it("float64, float16 and bfloat16 become float32 as torch's .float() does; integer and bool tensors are left out; views follow their offsets and strides", async () => {
    const got = await loadWeightsFile(at("dtypes.pth"));
    assertSameWeights(got, await loadSafetensors(at("dtypes-f32.safetensors")));
    assert.deepEqual([...got.keys()].sort(), ["a", "b", "bf16", "c", "f16", "f32", "f64"]);
    // "b" is a[1:, ::2] and "c" is a.t(), from the one storage the file holds for all three.
    const a = got.get("a")?.data ?? new Float32Array();
    assert.deepEqual(Array.from(got.get("b")?.data ?? []), [a[4], a[6], a[8], a[10]]);
    assert.deepEqual(Array.from(got.get("c")?.data ?? []), [0, 1, 2, 3].flatMap((col) => [0, 1, 2].map((row) => a[row * 4 + col])));
  });

  it("the shapes reader agrees with the loader", async () => {
    for (const file of ["tiny.pth", "tiny-checkpoint.pth", "tiny-compiled.bin", "dtypes.pth"]) {
      const loaded = await loadWeightsFile(at(file));
      const shapes = await readWeightsShapes(at(file));
      assert.deepEqual(new Map([...shapes].map(([k, s]) => [k, [...s.shape]])), new Map([...loaded].map(([k, t]) => [k, [...t.shape]])), file);
    }
  });

  it("the shapes reader reads no storage: a storage record that cannot be read stops only the loader", async () => {
    const good = checkpointZip(dictPickle([["w", tensor(storage("0", "FloatStorage", 2), 0, [2], [1])]]), { "0": new Uint8Array(8) });
    // Break the storage's local header; the central directory still lists it with its size.
    const broken = Buffer.from(good);
    const local = broken.indexOf("archive/data/0") - 30;
    broken.writeUInt32LE(0xdeadbeef, local);
    const file = path.join(dir, "unreadable-storage.pth");
    await fs.writeFile(file, broken);
    assert.deepEqual([...(await readWeightsShapes(file))].map(([k, e]) => [k, e.shape]), [["w", [2]]]);
    await assert.rejects(loadWeightsFile(file), refusedWith("WEIGHTS_INVALID", /^unreadable-storage\.pth: not a readable zip archive: /));
  });

  it("the legacy (pre-1.6) format is refused with how to save it again", async () => {
    for (const read of [loadWeightsFile, readWeightsShapes]) {
      await assert.rejects(read(at("tiny-legacy.pth")), refusedWith("WEIGHTS_INVALID", /^tiny-legacy\.pth: a torch\.save file in the legacy format/, /_use_new_zipfile_serialization=True/));
    }
  });
});

describe("a config or the CLI with a .pth", () => {
  async function configWith(weights: Record<string, string>, name: string): Promise<string> {
    const text = JSON.parse(await fs.readFile(at("tiny.featuremaps.json"), "utf8")) as Record<string, unknown>;
    const file = path.join(dir, name);
    await fs.writeFile(file, JSON.stringify({ ...text, $schema: undefined, weights: { ...weights, safetensors: at(weights.safetensors) } }));
    return file;
  }

  it("CLI dump gives the same .npy bytes from the .pth as from the .safetensors, and weights.key picks a state_dict", async () => {
    const outputs: Buffer[] = [];
    for (const [weights, name] of [
      [{ safetensors: "tiny.safetensors" }, "st"],
      [{ safetensors: "tiny.pth" }, "pth"],
      [{ safetensors: "tiny-checkpoint.pth" }, "ckpt"],
      [{ safetensors: "tiny-two.pth", key: "model" }, "two"],
    ] as const) {
      const config = await configWith(weights, `${name}.featuremaps.json`);
      const out = path.join(dir, `${name}.npy`);
      const run = await runCliBounded(["dump", SAMPLE_IMAGE, "--layer", "features.3", "--config", config, "--out", out], { timeoutMs: CLI_TIME_MS });
      assert.equal(run.code, 0, run.stderr);
      outputs.push(await fs.readFile(out));
    }
    for (const o of outputs.slice(1)) assert.deepEqual(o, outputs[0]);
  });

  it("the config diagnostics check a .pth's keys and shapes, and name the candidates when a key is needed", async () => {
    const check = async (weights: Record<string, string>): Promise<string[]> => {
      const file = await configWith(weights, "check.featuremaps.json");
      const { config, problems } = readModelConfig(await fs.readFile(file, "utf8"), file);
      assert.ok(config, JSON.stringify(problems));
      return (await weightsProblems(config)).map((p) => p.message);
    };
    assert.deepEqual(await check({ safetensors: "tiny.pth" }), []);
    assert.deepEqual(await check({ safetensors: "tiny-two.pth", key: "ema" }), []);
    assert.match((await check({ safetensors: "tiny-two.pth" })).join(), /several state_dicts \(model, ema\)/);
    assert.match((await check({ safetensors: "dtypes.pth" })).join(), /missing features\.0\.weight/);
  });

  it("--weights-key needs --weights; with --config it is the config's to say", async () => {
    const run = await runCliBounded(["layers", "--weights-key", "ema"], { timeoutMs: CLI_TIME_MS });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--weights-key picks the state_dict inside a --weights checkpoint; give --weights too/);
    const config = await configWith({ safetensors: "tiny.pth" }, "k.featuremaps.json");
    const withConfig = await runCliBounded(["layers", "--config", config, "--weights-key", "ema"], { timeoutMs: CLI_TIME_MS });
    assert.equal(withConfig.code, 2);
    assert.match(withConfig.stderr, /--config names the model/);
  });
});
