import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { notebookChannels } from "../../../src/shared/presets";

describe("the notebook preset", () => {
  it("is channels row*10+column for a 4x4 grid", () => {
    assert.deepEqual(notebookChannels(64), [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]);
  });
  it("falls back to the first channels on thin layers", () => {
    assert.deepEqual(notebookChannels(8), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
