import * as path from "path";
import { Worker } from "worker_threads";
import { type ErrorData, FeatureMapsError, fromErrorData } from "../../shared/errors";
import type { Preprocessing } from "../image/preprocess";

export interface DecodeJob {
  readonly id: number;
  readonly file: string;
  readonly preprocessing: Preprocessing;
  readonly maxMegapixels: number;
}

export type DecodeReply = { readonly id: number; readonly tensor: Float32Array } | { readonly id: number; readonly error: ErrorData };

/**
 * Beside this module in both builds: tsc's out/ (unit tests) compiles scanWorker.ts next to it,
 * and webpack bundles it as its own entry, dist/scanWorker.js, beside the bundle that loads this.
 */
const WORKER_SCRIPT = path.join(__dirname, "scanWorker.js");

interface Slot {
  readonly worker: Worker;
  job?: { readonly job: DecodeJob; readonly resolve: (t: Float32Array) => void; readonly reject: (e: Error) => void };
}

/**
 * A few worker threads that decode and preprocess images while the model runs on others. Jobs
 * wait in order; each worker takes one at a time. A worker that dies fails its image and is
 * replaced, so one hostile file costs one image, not the scan.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: { readonly job: DecodeJob; readonly resolve: (t: Float32Array) => void; readonly reject: (e: Error) => void }[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    size: number,
    private readonly preprocessing: Preprocessing,
    private readonly maxMegapixels: number,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_SCRIPT) };
    slot.worker.on("message", (reply: DecodeReply) => {
      const running = slot.job;
      if (!running || running.job.id !== reply.id) return;
      slot.job = undefined;
      if ("tensor" in reply) running.resolve(reply.tensor);
      else running.reject(fromErrorData(reply.error));
      this.pump();
    });
    const died = (why: string): void => {
      const running = slot.job;
      slot.job = undefined;
      running?.reject(new FeatureMapsError("IMAGE_UNREADABLE", `${path.basename(running.job.file)}: the decoder stopped (${why})`));
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
      this.pump();
    };
    slot.worker.on("error", (e) => died(e.message));
    slot.worker.on("exit", (code) => died(`exit code ${code}`));
    return slot;
  }

  /** The image's model input, or its error (IMAGE_UNREADABLE, IMAGE_TOO_LARGE, ...). */
  decode(file: string): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new FeatureMapsError("CANCELLED", "the decoders were stopped"));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, file, preprocessing: this.preprocessing, maxMegapixels: this.maxMegapixels }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const next = this.queue.shift() as NonNullable<Slot["job"]>;
      slot.job = next;
      slot.worker.postMessage(next.job);
    }
  }

  /** Stops every worker; jobs not done fail with CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new FeatureMapsError("CANCELLED", "the decoders were stopped");
    for (const waiting of this.queue.splice(0)) waiting.reject(stopped);
    for (const slot of this.slots) {
      slot.job?.reject(stopped);
      slot.job = undefined;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
