import { createWriteStream, promises as fs } from "fs";
import * as http from "http";
import * as https from "https";
import { Transform } from "stream";
import { FeatureMapsError } from "../../shared/errors";

// One file over HTTP(S) into `file`, resumed where an earlier attempt stopped: the CUDA provider
// package is hundreds of MB, and a connection that drops at 90% should not cost the first 90%.

export interface DownloadProgress {
  readonly received: number;
  /** Undefined when the server does not say. */
  readonly total?: number;
}

export interface DownloadOptions {
  readonly url: string;
  /** The partial file: kept on an interruption so the next attempt resumes, removed on other failures. */
  readonly file: string;
  /** The size the pin expects; a longer partial file is started over. */
  readonly size?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DownloadProgress) => void;
}

const MAX_REDIRECTS = 5;
/** A connection silent this long is given up, so a stalled download does not hang the command. */
const IDLE_MS = 60_000;

export class DownloadInterrupted extends FeatureMapsError {}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, redirects = 0): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith("https:") ? https.get : url.startsWith("http:") ? http.get : undefined;
    if (!get) return reject(new FeatureMapsError("CUDA_UNAVAILABLE", `cannot download ${url}: only http and https addresses are supported`));
    const req = get(url, { headers, signal, timeout: IDLE_MS }, (res) => {
      const status = res.statusCode ?? 0;
      const next = res.headers.location;
      if (status >= 300 && status < 400 && next) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new FeatureMapsError("CUDA_UNAVAILABLE", `cannot download ${url}: more than ${MAX_REDIRECTS} redirects`));
        return resolve(request(new URL(next, url).toString(), headers, signal, redirects + 1));
      }
      resolve(res);
    });
    req.on("timeout", () => req.destroy(new DownloadInterrupted("CUDA_UNAVAILABLE", `the server at ${new URL(url).host} stopped answering`)));
    req.on("error", (e) => reject(e));
  });
}

async function existingBytes(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** The start offset a 206 answer resumes from, from its Content-Range. */
function rangeStart(res: http.IncomingMessage): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers["content-range"] ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * Writes the body through `count` into `file`. When the connection drops or the caller cancels,
 * what has arrived is still written and the file closed before this rejects, so the next attempt
 * resumes from every byte received (a pipeline would destroy the file stream with writes pending).
 */
function save(res: http.IncomingMessage, count: Transform, file: string, append: boolean, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file, { flags: append ? "a" : "w" });
    let stopped: unknown;
    const stop = (why: unknown): void => {
      if (stopped !== undefined) return;
      stopped = why;
      res.unpipe(count);
      res.destroy();
      count.end();
    };
    const cancel = (): void => stop(signal?.reason ?? new Error("cancelled"));
    signal?.addEventListener("abort", cancel, { once: true });
    res.on("close", () => res.complete || stop(new Error("the connection closed before the end")));
    res.on("error", stop);
    // Too long a body: the file is of no use, the caller removes it.
    count.on("error", (e) => out.destroy(e));
    out.on("error", (e) => {
      signal?.removeEventListener("abort", cancel);
      reject(e);
    });
    out.on("close", () => {
      signal?.removeEventListener("abort", cancel);
      if (stopped === undefined) resolve();
      else reject(stopped);
    });
    if (signal?.aborted) cancel();
    else res.pipe(count).pipe(out);
  });
}

/**
 * Downloads `url` into `file`. A network failure or a body cut short throws DownloadInterrupted
 * and keeps what arrived; the next call asks only for the rest (HTTP Range) and starts over when
 * the server does not serve ranges. Errors name the address and what happened.
 */
export async function download(options: DownloadOptions): Promise<void> {
  const { url, file, size, signal, onProgress } = options;
  let have = await existingBytes(file);
  if (size !== undefined && have > size) {
    await fs.rm(file, { force: true });
    have = 0;
  }
  if (size !== undefined && have === size) return;
  let res: http.IncomingMessage;
  try {
    res = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, signal);
  } catch (e) {
    throw failure(e, url, signal);
  }
  const status = res.statusCode ?? 0;
  const resumed = status === 206 && rangeStart(res) === have;
  if (status === 416 && have > 0) {
    // The partial file is not a prefix the server knows: start again from nothing.
    res.resume();
    await fs.rm(file, { force: true });
    return download(options);
  }
  if (status !== 200 && !resumed) {
    res.resume();
    await fs.rm(file, { force: true });
    throw new FeatureMapsError("CUDA_UNAVAILABLE", `cannot download ${url}: the server answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`);
  }
  const start = resumed ? have : 0;
  const length = Number(res.headers["content-length"]);
  const total = Number.isFinite(length) ? start + length : size;
  let received = start;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      // A server that keeps sending would otherwise fill the disk before the checksum can say no.
      if (size !== undefined && received > size) return done(new FeatureMapsError("CUDA_UNAVAILABLE", `${url} sent more than the ${size} bytes pinned for it`));
      onProgress?.({ received, total });
      done(null, chunk);
    },
  });
  onProgress?.({ received, total });
  try {
    await save(res, count, file, resumed, signal);
  } catch (e) {
    throw failure(e, url, signal);
  }
  // A server that closes early without an error still owes the bytes it announced.
  if (total !== undefined && received < total) {
    throw new DownloadInterrupted("CUDA_UNAVAILABLE", `the download of ${url} stopped after ${mb(received)} of ${mb(total)} MB; run the command again to resume it`);
  }
}

function failure(e: unknown, url: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return new FeatureMapsError("CANCELLED", "the download was cancelled; run the command again to resume it");
  if (e instanceof FeatureMapsError) return e;
  const err = e as NodeJS.ErrnoException;
  // A write error is the disk's, not the network's: the caller tells it apart and removes the file.
  if (err.syscall === "write" || err.syscall === "open") return e;
  return new DownloadInterrupted("CUDA_UNAVAILABLE", `the download of ${url} was interrupted (${err.code ?? err.message}); run the command again to resume it`);
}
