import { closeSync, constants, fstatSync, openSync, promises as fs, readSync, type Stats } from "fs";
import * as path from "path";
import { type ErrorCode, FeatureMapsError } from "../../shared/errors";

// Every user file is opened the same way: without blocking (a FIFO would wait forever for a
// writer), checked to be a regular file after links are followed (a device such as /dev/zero
// never ends), and read only up to a size cap for its kind, so no file can hang the reader or
// take unbounded memory.

export const FILE_KINDS = ["image", "model", "weights", "config", "array"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const MiB = 1024 * 1024;

/** The largest file of each kind that is read whole. */
export const READ_LIMITS: Readonly<Record<FileKind, number>> = {
  image: 256 * MiB,
  // protobuf messages cannot exceed 2 GiB; bigger models keep their weights as external data.
  model: 2048 * MiB - 1,
  weights: 4096 * MiB,
  config: 4 * MiB,
  array: 2048 * MiB,
};

const CODES: Readonly<Record<FileKind, ErrorCode>> = {
  image: "IMAGE_UNREADABLE",
  model: "MODEL_INVALID",
  weights: "WEIGHTS_INVALID",
  config: "CONFIG_INVALID",
  array: "INPUT_INVALID",
};

/** What a file that is not a regular file is, for a message. */
export function typeName(s: Stats): string {
  if (s.isDirectory()) return "a folder";
  if (s.isFIFO()) return "a named pipe";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}

const OPEN_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "it does not exist",
  EISDIR: "it is a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a folder on its path is a file",
  ELOOP: "its links go round in a loop",
  // A socket cannot be opened as a file.
  ENXIO: "not a regular file",
};

function openError(file: string, kind: FileKind, e: unknown): FeatureMapsError {
  const why = OPEN_ERRORS[(e as NodeJS.ErrnoException).code ?? ""] ?? (e as Error).message;
  return new FeatureMapsError(CODES[kind], `${path.basename(file)}: cannot read the file (${why})`);
}

function checkSize(file: string, kind: FileKind, bytes: number, limit: number): void {
  if (bytes > limit) throw new FeatureMapsError(CODES[kind], `${path.basename(file)}: ${mib(bytes)} is more than the ${mib(limit)} a ${kind} file may have`);
}

function checkRegular(file: string, kind: FileKind, stats: Stats, limit: number): void {
  if (!stats.isFile()) throw new FeatureMapsError(CODES[kind], `${path.basename(file)}: cannot read the file (${typeName(stats)}, not a file)`);
  checkSize(file, kind, stats.size, limit);
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** An open regular file, read only in the ranges asked for. */
export interface RegularFile {
  readonly size: number;
  /** Bytes [offset, offset + length); a range past the end, or a file cut while read, is an error. */
  read(offset: number, length: number): Promise<Buffer>;
}

function isByteCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Opens a regular file (anything else is refused before a byte is read) for `use`, and closes it. */
export async function withRegularFile<T>(file: string, kind: FileKind, use: (f: RegularFile) => Promise<T>): Promise<T> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, kind, e);
  }
  try {
    const stats = await handle.stat();
    checkRegular(file, kind, stats, Number.MAX_SAFE_INTEGER);
    const name = path.basename(file);
    const read = async (offset: number, length: number): Promise<Buffer> => {
      if (!isByteCount(offset) || !isByteCount(length)) throw new FeatureMapsError(CODES[kind], `${name}: ${offset}, ${length} is not a byte range`);
      if (offset + length > stats.size) {
        throw new FeatureMapsError(CODES[kind], `${name}: bytes ${offset}-${offset + length} lie past the end of the file (${stats.size} bytes)`);
      }
      const bytes = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) throw new FeatureMapsError(CODES[kind], `${name}: the file ended while being read (it changed on disk)`);
        done += bytesRead;
      }
      return bytes;
    };
    return await use({ size: stats.size, read });
  } finally {
    await handle.close();
  }
}

/** A regular file's size, refusing anything else without reading it. */
export async function regularFileSize(file: string, kind: FileKind, limit = READ_LIMITS[kind]): Promise<number> {
  return withRegularFile(file, kind, async ({ size }) => {
    checkSize(file, kind, size, limit);
    return size;
  });
}

/**
 * Bytes [offset, offset + length) of a regular file (to its end when no length is given), or the
 * whole file when no range is given. A file that is shorter than it said (cut while being read)
 * is an error, not a short result.
 */
export async function readRegularFile(file: string, kind: FileKind, range?: { readonly offset: number; readonly length?: number }, limit = READ_LIMITS[kind]): Promise<Buffer> {
  return withRegularFile(file, kind, async (f) => {
    const offset = range?.offset ?? 0;
    const length = range?.length ?? Math.max(0, f.size - offset);
    checkSize(file, kind, length, limit);
    return f.read(offset, length);
  });
}

/** readRegularFile for the few callers that must stay synchronous (small text files). */
export function readRegularFileSync(file: string, kind: FileKind, limit = READ_LIMITS[kind]): Buffer {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, kind, e);
  }
  try {
    const stats = fstatSync(fd);
    checkRegular(file, kind, stats, limit);
    const bytes = Buffer.allocUnsafe(stats.size);
    let done = 0;
    while (done < stats.size) {
      const read = readSync(fd, bytes, done, stats.size - done, done);
      if (read === 0) throw new FeatureMapsError(CODES[kind], `${path.basename(file)}: the file ended while being read (it changed on disk)`);
      done += read;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/**
 * A file another file names (ONNX external data): it must lie inside `folder` once every link
 * is resolved, so a model cannot make the engine read /etc/passwd or a device.
 */
export async function containedPath(folder: string, relative: string, kind: FileKind, owner: string): Promise<string> {
  const name = path.basename(owner);
  if (path.isAbsolute(relative)) throw new FeatureMapsError(CODES[kind], `${name}: "${relative}" is outside the model's folder`);
  let real: string;
  let realFolder: string;
  try {
    realFolder = await fs.realpath(folder);
    real = await fs.realpath(path.join(folder, relative));
  } catch (e) {
    throw openError(path.join(folder, relative), kind, e);
  }
  const inside = path.relative(realFolder, real);
  if (inside === "" || inside === ".." || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new FeatureMapsError(CODES[kind], `${name}: "${relative}" is outside the model's folder once links are followed`);
  }
  return real;
}
