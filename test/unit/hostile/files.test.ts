import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { EngineClient } from "../../../src/engine/run/engineClient";
import type { AnalyzeRequest } from "../../../src/engine/engine";
import { lineOf, problemSpan, readModelConfig, weightsProblems } from "../../../src/engine/model/config";
import { runCliBounded } from "../../support/bounded";
import { assertRefused, CLI_TIME_MS, deeplyNested, mkfifo, rawSafetensors, refusedWith, within } from "../../support/hostileFiles";
import { ENGINE_PROCESS, ROOT, SAMPLE_IMAGE } from "../../support/paths";
import { TINY_WEIGHT_BYTES, tinyModel } from "../../support/tinyOnnx";

// Files an attacker can leave in a workspace, read by the CLI and by the inference process: each
// is refused with its code and a message naming the file, in bounded time and memory.

let dir: string;
const at = (...parts: string[]): string => path.join(dir, ...parts);

/** A folder holding m.onnx whose conv weight is external data in `location`, made by `make`. */
async function externalModel(folder: string, location: string, make?: (file: string) => Promise<void>): Promise<string> {
  await fs.mkdir(at(folder));
  await fs.writeFile(at(folder, "m.onnx"), tinyModel({ externalWeight: location }));
  await make?.(at(folder, location));
  return at(folder, "m.onnx");
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-hostile-"));
  mkfifo(at("fifo.onnx"));
  mkfifo(at("fifo.safetensors"));
  mkfifo(at("fifo.featuremaps.json"));
  await fs.symlink("/dev/zero", at("zero.onnx"));
  await fs.symlink("/dev/urandom", at("random.onnx"));
  await fs.symlink("/dev/zero", at("zero.safetensors"));
  await fs.mkdir(at("folder.onnx"));
  await fs.writeFile(at("null.safetensors"), rawSafetensors(null));
  await fs.writeFile(at("outside.bin"), TINY_WEIGHT_BYTES);
  await externalModel("passwd", "w.bin", (f) => fs.symlink("/etc/passwd", f));
  await externalModel("zero", "w.bin", (f) => fs.symlink("/dev/zero", f));
  await externalModel("linked-out", "w.bin", (f) => fs.symlink(at("outside.bin"), f));
  await externalModel("dotdot", "../outside.bin");
  await externalModel("absolute", "/etc/passwd");
  await externalModel("pipe", "w.bin", async (f) => mkfifo(f));
  await externalModel("short", "w.bin", (f) => fs.writeFile(f, TINY_WEIGHT_BYTES.subarray(0, 10)));
  await externalModel("good", "w.bin", (f) => fs.writeFile(f, TINY_WEIGHT_BYTES));
  await externalModel("dots", "..w.bin", (f) => fs.writeFile(f, TINY_WEIGHT_BYTES));
  await fs.writeFile(at("deep.featuremaps.json"), deeplyNested(10_000));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCliBounded(args, { timeoutMs: CLI_TIME_MS });

describe("hostile model files through the CLI", () => {
  it("layers M.onnx: a FIFO, /dev/zero, /dev/urandom or a folder is refused without reading it", async () => {
    assertRefused(await cli("layers", at("fifo.onnx")), "MODEL_INVALID", /fifo\.onnx: cannot read the file \(a named pipe, not a file\)/);
    assertRefused(await cli("layers", at("zero.onnx")), "MODEL_INVALID", /zero\.onnx: cannot read the file \(a device, not a file\)/);
    assertRefused(await cli("layers", at("random.onnx")), "MODEL_INVALID", /random\.onnx: cannot read the file \(a device, not a file\)/);
    assertRefused(await cli("layers", at("folder.onnx")), "MODEL_INVALID", /folder\.onnx: cannot read the file \(a folder, not a file\)/);
  });

  it("external data that leaves the model's folder (a link to /etc/passwd or /dev/zero, ../, an absolute path) is refused", async () => {
    const outside = /m\.onnx: "(w\.bin|\.\.\/outside\.bin|\/etc\/passwd)" is outside the model's folder/;
    for (const folder of ["passwd", "zero", "linked-out", "dotdot", "absolute"]) {
      assertRefused(await cli("layers", at(folder, "m.onnx")), "MODEL_INVALID", outside);
    }
  });

  it("external data that is a FIFO, or shorter than the range it declares, is refused naming the model and tensor", async () => {
    assertRefused(await cli("layers", at("pipe", "m.onnx")), "MODEL_INVALID", /m\.onnx: external data of tensor conv\.weight: w\.bin: cannot read the file \(a named pipe, not a file\)/);
    assertRefused(await cli("layers", at("short", "m.onnx")), "MODEL_INVALID", /m\.onnx: external data of tensor conv\.weight: w\.bin: bytes 0-72 lie past the end of the file \(10 bytes\)/);
  });

  it("external data inside the folder is read for its declared range, even under a name starting with ..", async () => {
    for (const folder of ["good", "dots"]) {
      const run = await cli("layers", at(folder, "m.onnx"));
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual((JSON.parse(run.stdout) as Array<{ id: string }>).map((l) => l.id), ["conv", "act"]);
    }
  });
});

describe("hostile weights and configs through the CLI", () => {
  it("--weights W: a FIFO or a link to /dev/zero is refused without reading it", async () => {
    assertRefused(await cli("dump", SAMPLE_IMAGE, "--layer", "0", "--weights", at("fifo.safetensors"), "--out", at("x.npy")), "WEIGHTS_INVALID", /fifo\.safetensors: cannot read the file \(a named pipe, not a file\)/);
    assertRefused(await cli("dump", SAMPLE_IMAGE, "--layer", "0", "--weights", at("zero.safetensors"), "--out", at("x.npy")), "WEIGHTS_INVALID", /zero\.safetensors: cannot read the file \(a device, not a file\)/);
  });

  it("--config: nested 10,000 levels deep, or a FIFO, is refused naming the file", async () => {
    assertRefused(await cli("layers", "--config", at("deep.featuremaps.json")), "CONFIG_INVALID", /deep\.featuremaps\.json:1: JSON: nested more than 32 levels deep/);
    assertRefused(await cli("layers", "--config", at("fifo.featuremaps.json")), "CONFIG_INVALID", /fifo\.featuremaps\.json: cannot read the file \(a named pipe, not a file\)/);
  });
});

describe("hostile configs in the editor (no process boundary: the extension host runs these)", () => {
  const example = path.join(ROOT, "examples", "xai.featuremaps.json");

  async function configWithWeights(weights: string) {
    const text = (await fs.readFile(example, "utf8"))
      .replace('"weights": { "init": "pytorch-default", "seed": 0 }', `"weights": { "safetensors": ${JSON.stringify(weights)} }`)
      .replace('"images": ["../media/samples/chelsea.png"]', `"images": [${JSON.stringify(SAMPLE_IMAGE)}]`);
    const { config, problems } = readModelConfig(text, at("c.featuremaps.json"));
    assert.deepEqual(problems, []);
    assert.ok(config);
    return config;
  }

  it("a deeply nested config is one problem at the place it gets too deep, not a stack overflow", () => {
    const text = deeplyNested(10_000);
    const { config, problems } = readModelConfig(text, at("deep.featuremaps.json"));
    assert.equal(config, undefined);
    assert.deepEqual(problems.map((p) => p.message), ["JSON: nested more than 32 levels deep"]);
    assert.equal(problemSpan(text, problems[0]).offset, text.indexOf("[") + 31);
    assert.equal(lineOf(text, problemSpan(text, problems[0]).offset), 1);
  });

  it("weights that are a link to /dev/zero, a FIFO or a null header are a problem on the weights entry, found within a second", async () => {
    const cases: Array<[string, RegExp]> = [
      ["zero.safetensors", /^zero\.safetensors: cannot read the file \(a device, not a file\)$/],
      ["fifo.safetensors", /^fifo\.safetensors: cannot read the file \(a named pipe, not a file\)$/],
      ["null.safetensors", /^null\.safetensors: not a readable safetensors file: header is null, not a JSON object$/],
    ];
    for (const [weights, expected] of cases) {
      const started = Date.now();
      const problems = await within(5_000, weightsProblems(await configWithWeights(weights)));
      assert.ok(Date.now() - started < 1_000, `${weights}: ${Date.now() - started} ms`);
      assert.equal(problems.length, 1, weights);
      assert.match(problems[0].message, expected);
      assert.deepEqual(problems[0].path, ["weights", "safetensors"]);
    }
  });

  it("reads only the header: weights past the size a weights file may have are still checked", async () => {
    // Sparse: 5 GiB on paper, a few bytes on disk, more than the 4 GiB a weights file may be loaded with.
    const bytes = 5 * 1024 ** 3;
    const file = at("huge.safetensors");
    const header = rawSafetensors({ "features.0.weight": { dtype: "F32", shape: [bytes / 4], data_offsets: [0, bytes] } });
    await fs.writeFile(file, header);
    await fs.truncate(file, header.byteLength + bytes);
    const problems = await within(5_000, weightsProblems(await configWithWeights("huge.safetensors")));
    assert.match(problems[0].message, /features\.0\.weight is \[1342177280\], Conv2d features\.0 needs \[64, 3, 3, 3\]/);
  });
});

describe("hostile files through the inference process", () => {
  const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu" });
  after(() => client.stop());
  const onnxAt = (file: string): AnalyzeRequest => ({ input: { image: SAMPLE_IMAGE }, model: { kind: "onnx", path: file } });
  const weightsAt = (file: string): AnalyzeRequest => ({ input: { image: SAMPLE_IMAGE }, model: { kind: "builtin", weights: { file } } });

  it("brings each refusal's code and message across the boundary, within bounds, and keeps serving", async () => {
    const { pid } = await client.call("status", {});
    const cases: Array<[AnalyzeRequest, string, RegExp]> = [
      [onnxAt(at("fifo.onnx")), "MODEL_INVALID", /^fifo\.onnx: cannot read the file \(a named pipe, not a file\)$/],
      [onnxAt(at("zero.onnx")), "MODEL_INVALID", /^zero\.onnx: cannot read the file \(a device, not a file\)$/],
      [onnxAt(at("random.onnx")), "MODEL_INVALID", /^random\.onnx: cannot read the file \(a device, not a file\)$/],
      [onnxAt(at("passwd", "m.onnx")), "MODEL_INVALID", /^m\.onnx: "w\.bin" is outside the model's folder once links are followed$/],
      [onnxAt(at("zero", "m.onnx")), "MODEL_INVALID", /^m\.onnx: "w\.bin" is outside the model's folder once links are followed$/],
      [onnxAt(at("short", "m.onnx")), "MODEL_INVALID", /^m\.onnx: external data of tensor conv\.weight: w\.bin: bytes 0-72 lie past the end of the file \(10 bytes\)$/],
      [weightsAt(at("zero.safetensors")), "WEIGHTS_INVALID", /^zero\.safetensors: cannot read the file \(a device, not a file\)$/],
      [weightsAt(at("fifo.safetensors")), "WEIGHTS_INVALID", /^fifo\.safetensors: cannot read the file \(a named pipe, not a file\)$/],
      [weightsAt(at("null.safetensors")), "WEIGHTS_INVALID", /^null\.safetensors: not a readable safetensors file: header is null, not a JSON object$/],
    ];
    for (const [request, code, message] of cases) {
      await assert.rejects(within(CLI_TIME_MS, client.call("analyze", { analyze: request })), refusedWith(code, message));
    }
    const status = await client.call("status", {});
    assert.equal(status.pid, pid, "the same process, not a restarted one");
    assert.ok(status.rssBytes < 600 * 1024 * 1024, `${(status.rssBytes / 1024 / 1024).toFixed(0)} MB resident`);
    const tensor = { tensor: new Float32Array(16), height: 4, width: 4, label: "zeros" };
    const good = await within(CLI_TIME_MS, client.call("analyze", { analyze: { ...onnxAt(at("good", "m.onnx")), input: tensor } }));
    assert.deepEqual(good.model.layers.map((l) => l.id), ["conv", "act"]);
  });
});
