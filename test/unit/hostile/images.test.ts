import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import { promises as fs, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { inputSource } from "../../../src/cli/modelOptions";
import { readImage } from "../../../src/engine/image/decode";
import { BUILTIN_MODEL } from "../../../src/engine/model/models";
import { EngineClient } from "../../../src/engine/run/engineClient";
import { FeatureMapsError } from "../../../src/shared/errors";
import { runCliBounded } from "../../support/bounded";
import { gif, npyHeader, png, tiff } from "../../support/hostileImages";
import { ENGINE_PROCESS, SAMPLE_IMAGE } from "../../support/paths";

// Each hostile file must end in one clear error naming it, quickly and in little memory, through
// every door: the decoder in-process, the CLI in its own process, and the inference process.
// Before these checks: the TIFF took 7.85 GB and 74 s, the GIF 110 s of CPU, the FIFO hung.

/** Generous for 2 shared cores; every case here takes well under a second when it passes. */
const DECODE_MS = 3000;
const CLI_MS = 30_000;
/** The CLI loads onnxruntime and builds the model before it reads the image: about 250 MB for a normal run. */
const CLI_PEAK_MB = 450;

let dir: string;
const file = (name: string) => path.join(dir, name);

function rgbTiff(width: number, height: number): Uint8Array {
  const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7) & 0xff);
  return tiff([{ width, height, samples: 3, strips: [pixels] }]);
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-hostile-"));
  const one = Uint8Array.from([128]);
  const zeros256MB = zlib.deflateSync(Buffer.alloc(256 << 20));
  const files: Record<string, Uint8Array> = {
    // Page 1 is a 1x1 grey pixel; the five pages after it claim 40000x40000 each.
    "bomb.tif": tiff([{ width: 1, height: 1, strips: [one] }, ...Array.from({ length: 5 }, () => ({ width: 40000, height: 40000, strips: [one] }))]),
    // A 1x1 logical screen whose first frame claims 65535x65535: 35 bytes.
    "frame.gif": gif({ width: 1, height: 1 }, { width: 65535, height: 65535 }, 1),
    // 3 of the frame's 16 pixels: omggif prints "shorter than expected" and leaves the rest black.
    "short.gif": gif({ width: 4, height: 4 }, { width: 4, height: 4 }, 3),
    // 9 pixels for a 2x2 frame: omggif prints "longer than expected" and keeps the first 4.
    "long.gif": gif({ width: 2, height: 2 }, { width: 2, height: 2 }, 9),
    // 4 tiles of 16x16: utif2 prints "==== 2 2" for any tiled TIFF.
    "tiled.tif": tiff([{ width: 32, height: 32, tile: { width: 16, height: 16 }, strips: [1, 2, 3, 4].map((v) => new Uint8Array(256).fill(60 * v)) }]),
    // A 1000x1000 grey page whose one Deflate strip unpacks to 256 MB instead of 1 MB.
    "inflates.tif": tiff([{ width: 1000, height: 1000, compression: 8, strips: [zeros256MB] }]),
    // A 1x1 interlaced PNG with the same 256 KB that unpack to 256 MB: pngjs bounds only non-interlaced data.
    "inflates.png": png(1, 1, true, zeros256MB),
    "truncated-libtiff-layout.tif": rgbTiff(64, 48).subarray(0, 4000),
  };
  // The page's directory links back to itself: utif2 would walk it forever.
  const loop = rgbTiff(8, 8);
  const view = new DataView(loop.buffer);
  const first = view.getUint32(4, true);
  view.setUint32(first + 2 + view.getUint16(first, true) * 12, first, true);
  files["loop.tif"] = loop;
  // Strip offsets (tag 273) claiming 4 billion values: utif2 would read them one by one.
  const counted = rgbTiff(8, 8);
  const countedView = new DataView(counted.buffer);
  const at = countedView.getUint32(4, true);
  for (let e = at + 2; e < at + 2 + countedView.getUint16(at, true) * 12; e += 12) if (countedView.getUint16(e, true) === 273) countedView.setUint32(e + 4, 0xffffffff, true);
  files["count.tif"] = counted;
  // jimp's TIFF encoder writes the directory first and the pixels after it: a cut file keeps its
  // directory, and utif2 read the missing pixels as black rows.
  const whole = await new Jimp({ width: 64, height: 64, data: Buffer.alloc(64 * 64 * 4, 200) }).getBuffer("image/tiff");
  files["cut10.tif"] = whole.subarray(0, Math.floor(whole.length * 0.1));
  files["cut50.tif"] = whole.subarray(0, Math.floor(whole.length * 0.5));
  for (const [name, bytes] of Object.entries(files)) await fs.writeFile(file(name), bytes);
  execFileSync("mkfifo", [file("fifo.png")]);
  execFileSync("mkfifo", [file("fifo.npy")]);
  await fs.symlink("/dev/zero", file("zero.png"));
  await fs.symlink("/dev/urandom", file("urandom.jpg"));
  await fs.mkdir(file("folder.png"));
  // uint8 [1, 3, 5000, 5000]: 75 MB that the model would run on at 5000x5000.
  const big = await fs.open(file("big.npy"), "w");
  await big.write(npyHeader("|u1", [1, 3, 5000, 5000]));
  await big.truncate(npyHeader("|u1", [1, 3, 5000, 5000]).byteLength + 3 * 5000 * 5000);
  await big.close();
  await fs.writeFile(file("gray.npy"), Buffer.concat([npyHeader("|u1", [1, 1, 8, 8]), Buffer.alloc(64)]));
  await fs.writeFile(file("short.npy"), Buffer.concat([npyHeader("<f4", [1, 3, 64, 64]), Buffer.alloc(100)]));
  await fs.writeFile(file("small.npy"), Buffer.concat([npyHeader("|u1", [1, 3, 8, 8]), Buffer.alloc(192)]));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

/** [file, code, message]: the message names the file and says what is wrong. */
const IMAGES: ReadonlyArray<readonly [string, string, RegExp]> = [
  ["bomb.tif", "IMAGE_TOO_LARGE", /^bomb\.tif: page 2, 40000x40000 is 1600\.0 megapixels, above the limit of 64/],
  ["frame.gif", "IMAGE_TOO_LARGE", /^frame\.gif: the first frame, 65535x65535 is 4294\.8 megapixels, above the limit of 64/],
  ["zero.png", "IMAGE_UNREADABLE", /^zero\.png: cannot read the file \(a device, not a file\)$/],
  ["urandom.jpg", "IMAGE_UNREADABLE", /^urandom\.jpg: cannot read the file \(a device, not a file\)$/],
  ["fifo.png", "IMAGE_UNREADABLE", /^fifo\.png: cannot read the file \(a named pipe, not a file\)$/],
  ["folder.png", "IMAGE_UNREADABLE", /^folder\.png: cannot read the file \(a folder, not a file\)$/],
  ["cut10.tif", "IMAGE_UNREADABLE", /^cut10\.tif: the TIFF data is cut short \(truncated file\)$/],
  ["cut50.tif", "IMAGE_UNREADABLE", /^cut50\.tif: the TIFF data is cut short \(truncated file\)$/],
  ["truncated-libtiff-layout.tif", "IMAGE_UNREADABLE", /^truncated-libtiff-layout\.tif: the TIFF data is cut short \(truncated file\)$/],
  ["short.gif", "IMAGE_UNREADABLE", /^short\.gif: the GIF data is cut short \(truncated file\)$/],
  ["loop.tif", "IMAGE_UNREADABLE", /^loop\.tif: the TIFF's pages link in a loop$/],
  ["count.tif", "IMAGE_UNREADABLE", /^count\.tif: the TIFF data is cut short \(truncated file\)$/],
  ["inflates.tif", "IMAGE_UNREADABLE", /^inflates\.tif: a TIFF strip unpacks to more than its 1000000 bytes$/],
  ["inflates.png", "IMAGE_UNREADABLE", /^inflates\.png: the PNG data unpacks to more than the 79 bytes its size needs$/],
];

function hasCode(code: string, message: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof FeatureMapsError, `a FeatureMapsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  };
}

async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    assert.ok(Date.now() - started <= ms, `${what} took ${Date.now() - started} ms`);
  }
}

describe("hostile images: the decoder refuses each with its code and the file's name, at once", () => {
  for (const [name, code, message] of IMAGES) {
    it(name, () => within(DECODE_MS, assert.rejects(readImage(file(name)), hasCode(code, message)), name));
  }

  it("a tiled TIFF and a GIF with data to spare decode, and nothing is printed", async () => {
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(" "));
    try {
      const tiled = await readImage(file("tiled.tif"));
      assert.deepEqual([tiled.width, tiled.height, ...tiled.rgba.subarray(0, 3)], [32, 32, 60, 60, 60]);
      assert.deepEqual([...tiled.rgba.subarray((32 * 31 + 31) * 4, (32 * 31 + 31) * 4 + 3)], [240, 240, 240]);
      const long = await readImage(file("long.gif"));
      assert.deepEqual([long.width, long.height, ...long.rgba.subarray(12, 16)], [2, 2, 200, 30, 40, 255]);
    } finally {
      console.log = log;
    }
    assert.deepEqual(printed, []);
  });
});

describe("hostile images through the CLI: one line on stderr, within time and memory", () => {
  for (const [name, , message] of IMAGES) {
    it(name, async () => {
      const run = await runCliBounded(["layers", "--image", file(name)], { timeoutMs: CLI_MS });
      assert.ok(!run.timedOut, `killed after ${CLI_MS} ms (peak ${run.peakMB} MB)`);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, new RegExp(`^feature-maps: ${message.source.replace(/^\^/, "").replace(/\$$/, "")}.*\n$`));
      assert.ok(run.peakMB < CLI_PEAK_MB, `peak ${run.peakMB.toFixed(0)} MB`);
    });
  }

  for (const name of ["tiled.tif", "long.gif"]) {
    it(`layers --image ${name}: stdout is the JSON list, with no decoder line in it`, async () => {
      const run = await runCliBounded(["layers", "--image", file(name)], { timeoutMs: CLI_MS });
      assert.equal(run.code, 0, run.stderr);
      const layers = JSON.parse(run.stdout) as Array<{ id: string }>;
      assert.equal(layers[0].id, "features.0");
      // The model's summary is the only line.
      assert.match(run.stderr, /^XAI \(seed 0\): float32, input \[1, 3, 100, 100\], 60 layers\n$/);
    });
  }
});

describe("--input-npy: the image limits and clear refusals", () => {
  it("a uint8 [1, 3, 5000, 5000] array is refused from its header, not run at 5000x5000", async () => {
    const run = await runCliBounded(["layers", "--input-npy", file("big.npy")], { timeoutMs: CLI_MS });
    assert.ok(!run.timedOut, `killed after ${CLI_MS} ms (peak ${run.peakMB} MB)`);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^feature-maps: big\.npy: 5000x5000 \(HxW\) is 25\.0 megapixels, above the 16\.8 megapixels a model input may have \[INPUT_INVALID\]\n$/);
    assert.ok(run.peakMB < CLI_PEAK_MB, `peak ${run.peakMB.toFixed(0)} MB`);
    await within(DECODE_MS, assert.rejects(inputSource({ "input-npy": file("big.npy") }, undefined, {}), hasCode("INPUT_INVALID", /^big\.npy: 5000x5000/)), "big.npy");
  });

  it("--size with --input-npy is a usage error, not ignored", async () => {
    const run = await runCliBounded(["layers", "--input-npy", file("small.npy"), "--size", "64x64"], { timeoutMs: CLI_MS });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^feature-maps: --size is for images; an --input-npy array is fed at its own size and channel order\n/);
  });

  const arrays: ReadonlyArray<readonly [string, RegExp]> = [
    ["fifo.npy", /^fifo\.npy: cannot read the file \(a named pipe, not a file\)$/],
    ["gray.npy", /^gray\.npy: a uint8 array is read as image planes and needs 3 channels, not 1/],
    ["short.npy", /^short\.npy: 100 data bytes for shape \(1, 3, 64, 64\), which needs 49152$/],
    ["folder.png", /^folder\.png: cannot read the file \(a folder, not a file\)$/],
  ];
  for (const [name, message] of arrays) {
    it(`${name}: INPUT_INVALID`, () => within(DECODE_MS, assert.rejects(inputSource({ "input-npy": file(name) }, undefined, {}), hasCode("INPUT_INVALID", message)), name));
  }
});

/** The process's peak resident memory so far, from Linux's own count. */
function peakMB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

describe("hostile images through the inference process", () => {
  const lines: string[] = [];
  const client = new EngineClient(ENGINE_PROCESS, { provider: "cpu" }, (line) => lines.push(line));
  after(() => client.stop());
  const analyze = (image: string) => ({ analyze: { input: { image }, model: BUILTIN_MODEL } });

  it("the FIFO and the TIFF bomb come back with their codes, in bounds, and the process keeps serving", async () => {
    const { pid } = await client.call("status", {});
    await within(CLI_MS, assert.rejects(client.call("analyze", analyze(file("fifo.png"))), hasCode("IMAGE_UNREADABLE", /^fifo\.png: cannot read the file \(a named pipe/)), "fifo.png");
    await within(CLI_MS, assert.rejects(client.call("analyze", analyze(file("bomb.tif"))), hasCode("IMAGE_TOO_LARGE", /^bomb\.tif: page 2, 40000x40000/)), "bomb.tif");
    const served = await within(CLI_MS, client.call("analyze", analyze(SAMPLE_IMAGE)), "the sample after them");
    assert.deepEqual(served.model.outputShape, [9, 2]);
    assert.equal((await client.call("status", {})).pid, pid, "the same process answered");
    assert.ok(peakMB(pid) < CLI_PEAK_MB, `peak ${peakMB(pid).toFixed(0)} MB`);
  });

  it("a tiled TIFF decodes there with nothing in the process's output", async () => {
    const result = await client.call("analyze", analyze(file("tiled.tif")));
    assert.deepEqual([result.image?.originalWidth, result.image?.originalHeight], [32, 32]);
    assert.deepEqual(lines, []);
  });
});
