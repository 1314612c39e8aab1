import assert from "node:assert/strict";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { readNpy, writeNpy } from "../../../../src/engine/formats/npy";
import { crc32, NpzWriter } from "../../../../src/engine/formats/npz";
import { writeOutputStream } from "../../../../src/engine/formats/output";
import { withZip } from "../../../../src/engine/formats/zipArchive";

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "fm-npz-"));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe(".npz writing", () => {
  it("computes the zip CRC-32", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  it("writes a zip that a zip reader lists and reads back entry by entry", async () => {
    const file = path.join(dir, "small.npz");
    const arrays: Array<[string, Float32Array, number[]]> = [
      ["features.0", Float32Array.from({ length: 24 }, (_, i) => i - 3.5), [1, 2, 3, 4]],
      ["décodeur/up", Float32Array.from([1, NaN, -Infinity]), [3]],
    ];
    await writeOutputStream(file, async (write) => {
      const npz = new NpzWriter(write);
      for (const [key, data, shape] of arrays) await npz.add(key, writeNpy(data, shape));
      await npz.finish();
    });
    await withZip(file, async (zip) => {
      assert.deepEqual([...zip.sizes.keys()], ["features.0.npy", "décodeur/up.npy"]);
      for (const [key, data, shape] of arrays) {
        const a = readNpy(await zip.read(`${key}.npy`, 1 << 20), key);
        assert.deepEqual(a.shape, shape);
        assert.deepEqual([...a.data], [...data]);
      }
    });
  });

  it("refuses a name twice", async () => {
    const npz = new NpzWriter(async () => undefined);
    await npz.add("a", writeNpy(new Float32Array(1), [1]));
    await assert.rejects(npz.add("a", writeNpy(new Float32Array(1), [1])), /one array per name; a came twice/);
  });

  it("adds zip64 records past 4 GiB, which a zip reader follows", async () => {
    // 17 entries of 256 MiB, zeros after a .npy header: the last starts past 4 GiB. The zeros are
    // left as holes in a sparse file, so only the headers take disk space.
    const big = new Uint8Array(256 * 2 ** 20);
    big.set(writeNpy(new Float32Array(0), [0]).subarray(0, 10));
    const file = path.join(dir, "big.npz");
    const handle = await fs.open(file, "w");
    let at = 0;
    const npz = new NpzWriter(async (chunk) => {
      await handle.write(chunk, 0, chunk === big ? 4096 : chunk.length, at);
      at += chunk.length;
    });
    for (let i = 0; i < 17; i++) await npz.add(`layer${i}`, big);
    await npz.finish();
    await handle.close();
    assert.ok(at > 2 ** 32, `${at} bytes`);
    assert.equal((await fs.stat(file)).size, at);
    await withZip(file, async (zip) => {
      assert.equal(zip.sizes.size, 17);
      assert.equal(zip.sizes.get("layer16.npy"), big.length);
      const last = await zip.read("layer16.npy", big.length);
      // Read from where the directory says it starts: the header, then the zeros.
      assert.equal(crc32(last), crc32(big));
    });
  });
});
