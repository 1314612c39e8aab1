import * as os from "os";
import { checkpoint, type ErrorData, toErrorData } from "../../shared/errors";
import type { Progress } from "../../shared/rpc";
import { SCAN_SCHEMA, type ScanFailure, type ScanResult } from "../../shared/scan";
import type { Preprocessing } from "../image/preprocess";
import type { ModelRunner } from "../run/inference";
import { safePoint } from "../run/safePoint";
import { ChannelTops } from "./channelTops";
import { DecodePool } from "./decodePool";
import { LayerSession } from "./layerSession";
import { walkImages } from "./walk";

export interface ScanSettings {
  readonly folder: string;
  /** A layer id the model has (FeatureMapsEngine.layerId resolves what a user typed). */
  readonly layer: string;
  readonly top: number;
  readonly maxImages: number;
  /** Images per model run where the model's batch axis is free. */
  readonly batch: number;
  readonly maxMegapixels: number;
  /** Decode workers; by default one core is left to the model. */
  readonly workers?: number;
}

export interface ScanHooks {
  readonly signal?: AbortSignal;
  readonly progress?: Progress;
  /** Runs each batch in the engine's queue of runs, so views asking meanwhile are served between batches. */
  readonly serialize?: <T>(work: () => Promise<T>) => Promise<T>;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/**
 * Every image under a folder through one layer: decoded in worker threads while the model runs
 * the batch before, reduced to per-channel statistics at once, never kept. An image that fails
 * is listed with its error code; a cancel stops at the next image or batch and stops the workers.
 */
export async function scanFolder(runner: ModelRunner, p: Preprocessing, settings: ScanSettings, hooks: ScanHooks = {}): Promise<ScanResult> {
  const { signal, progress } = hooks;
  const serialize = hooks.serialize ?? (<T>(work: () => Promise<T>) => work());
  const files = await walkImages(settings.folder, settings.maxImages, signal);
  const session = await LayerSession.open(runner, settings.layer, p.height, p.width, settings.batch, true);
  const workers = settings.workers ?? defaultWorkers();
  const pool = new DecodePool(workers, p, settings.maxMegapixels);
  const stopOnCancel = (): void => void pool.close();
  signal?.addEventListener("abort", stopOnCancel);
  const failed: ScanFailure[] = [];
  let tops: ChannelTops | undefined;
  let shape: readonly number[] = [];
  let scanned = 0;
  const report = (): void => progress?.(scanned + failed.length, files.length);
  // Decodes run this far ahead of the model: the next batch is ready when the current one ends.
  const ahead = session.batch * 2 + workers;
  const decoded = new Map<number, Promise<Float32Array | ErrorData>>();
  let launched = 0;
  const one = runner.model.inputChannels * p.height * p.width;
  let batch: number[] = [];
  let stack = new Float32Array(session.batch * one);
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const images = batch;
    const input = images.length === session.batch ? stack : stack.slice(0, images.length * one);
    batch = [];
    stack = new Float32Array(session.batch * one);
    const out = await serialize(async () => {
      await safePoint(signal);
      return session.statistics(input, images.length);
    });
    tops ??= new ChannelTops(out.channels, settings.top);
    shape = out.shape;
    tops.addStatistics(images, out);
    scanned += images.length;
    report();
  };
  try {
    report();
    for (let i = 0; i < files.length; i++) {
      for (; launched < Math.min(files.length, i + ahead); launched++) {
        decoded.set(launched, pool.decode(files[launched].file).catch(toErrorData));
      }
      const got = await (decoded.get(i) as Promise<Float32Array | ErrorData>);
      decoded.delete(i);
      checkpoint(signal);
      if (got instanceof Float32Array) {
        stack.set(got, batch.length * one);
        batch.push(i);
        if (batch.length === session.batch) await flush();
      } else {
        failed.push({ path: files[i].path, code: got.code, message: got.message });
        report();
      }
    }
    await flush();
  } finally {
    signal?.removeEventListener("abort", stopOnCancel);
    await pool.close();
    await session.release();
  }
  const channels = tops?.result(files.map((f) => f.path)) ?? [];
  return {
    schema: SCAN_SCHEMA,
    model: runner.model.label,
    layer: settings.layer,
    shape,
    input: { height: p.height, width: p.width },
    top: settings.top,
    scanned,
    found: files.length,
    failed,
    deadChannels: channels.filter((c) => c.dead).map((c) => c.channel),
    channels,
  };
}
