import { Writer } from "protobufjs/minimal";

/**
 * One buffer that built models are encoded into, build after build. A config edit rebuilds the
 * whole model, and writing its 60 MB into fresh memory costs ~170 ms on the VMs we measured
 * (~3 ms per MB of first-touched pages), against ~5 ms into pages already in use. onnxruntime
 * copies the bytes while it opens a session, so the buffer is free again once that is done.
 */
export class ModelBytes {
  private buffer?: Uint8Array;
  private lent = false;

  /**
   * Encodes with `encode` (a protobuf message's encode, given our writer) into the shared buffer
   * when it is free, else into a fresh one; `release` must be called once the bytes are no longer read.
   */
  encode(encode: (writer: Writer) => Writer): { readonly bytes: Uint8Array; release(): void } {
    if (this.lent) return { bytes: encode(new Writer()).finish(), release: () => undefined };
    this.lent = true;
    const take = (size: number): Uint8Array => {
      if (!this.buffer || this.buffer.length < size) this.buffer = new Uint8Array(size);
      return this.buffer.subarray(0, size);
    };
    // finish() asks the writer's class for its output buffer: this class hands out the shared one.
    // The plain Writer, not Node's BufferWriter: bundled by webpack, protobufjs finds no Buffer.
    class SharedWriter extends Writer {
      static override alloc(size: number): Uint8Array {
        return take(size);
      }
    }
    try {
      return { bytes: encode(new SharedWriter()).finish(), release: () => (this.lent = false) };
    } catch (e) {
      this.lent = false;
      throw e;
    }
  }
}
