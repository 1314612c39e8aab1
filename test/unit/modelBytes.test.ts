import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { onnx } from "onnx-proto";
import { ModelBytes } from "../../src/engine/modelBytes";

const message = (name: string): onnx.ModelProto => onnx.ModelProto.create({ producerName: name, irVersion: 8 });
const encodeWith = (name: string) => (writer: Parameters<Parameters<ModelBytes["encode"]>[0]>[0]) => onnx.ModelProto.encode(message(name), writer);

describe("ModelBytes", () => {
  it("encodes exactly what protobuf's own writer does", () => {
    const bytes = new ModelBytes();
    const { bytes: ours, release } = bytes.encode(encodeWith("feature-maps"));
    assert.deepEqual([...ours], [...onnx.ModelProto.encode(message("feature-maps")).finish()]);
    release();
  });

  it("reuses its buffer once released, and never while the bytes are still being read", () => {
    const bytes = new ModelBytes();
    const first = bytes.encode(encodeWith("first model"));
    const concurrent = bytes.encode(encodeWith("second"));
    assert.notEqual(concurrent.bytes.buffer, first.bytes.buffer, "a second build while the first is lent gets its own memory");
    assert.equal(onnx.ModelProto.decode(first.bytes).producerName, "first model", "the lent bytes are intact");
    first.release();
    const third = bytes.encode(encodeWith("third"));
    assert.equal(third.bytes.buffer, first.bytes.buffer, "the shared buffer is used again");
    assert.equal(onnx.ModelProto.decode(third.bytes).producerName, "third");
  });
});
