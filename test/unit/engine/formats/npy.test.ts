import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readNpy, writeNpy } from "../../../../src/engine/formats/npy";

describe("npy", () => {
  it("writes a float32 array numpy reads back with its shape (and so do we)", () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i - 3.5);
    const bytes = writeNpy(data, [1, 2, 3, 4]);
    assert.equal((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "data is 64-byte aligned");
    const back = readNpy(bytes, "a.npy");
    assert.deepEqual(back.shape, [1, 2, 3, 4]);
    assert.equal(back.dtype, "float32");
    assert.deepEqual(back.data, data);
  });

  it("refuses what it cannot read, naming the file", () => {
    assert.throws(() => readNpy(new Uint8Array(20), "x.npy"), /x\.npy: not a readable \.npy file: no NUMPY magic/);
  });
});
