import { constants, promises as fs } from "fs";
import { randomBytes } from "crypto";
import * as path from "path";
import { FeatureMapsError } from "../../shared/errors";
import { typeName } from "./files";

// Outputs are written to a temporary file beside the target and renamed over it once complete:
// a write that fails (a full disk, a file-size limit) leaves the original as it was and no
// partial file. A target that is not a regular file is refused: renaming over a device node or
// a pipe would replace it, and writing into /dev/full fails anyway.

const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the disk",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file would be larger than the system allows",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOENT: "its folder does not exist",
  ENOTDIR: "a folder on its path is a file",
  EISDIR: "it is a folder",
  ELOOP: "its links go round in a loop",
};

function unwritable(file: string, why: string, kept: boolean): FeatureMapsError {
  return new FeatureMapsError("OUTPUT_UNWRITABLE", `${file}: cannot write the file (${why})${kept ? "; the existing file is unchanged" : ""}`);
}

/** What a failed write means to a user, from its errno code. */
export function writeErrorReason(e: unknown): string {
  return WRITE_ERRORS[(e as NodeJS.ErrnoException).code ?? ""] ?? (e as Error).message;
}

export interface OutputTarget {
  /** The file written: a link's target, so a link stays a link. */
  readonly path: string;
  /** The permissions of the file being replaced, kept for its replacement. */
  readonly mode?: number;
}

/** Where an output to `file` goes, checked before anything is computed or written. */
export async function outputTarget(file: string): Promise<OutputTarget> {
  let stats;
  try {
    stats = await fs.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { path: file };
    throw unwritable(file, writeErrorReason(e), false);
  }
  if (!stats.isFile()) throw unwritable(file, `${typeName(stats)}, not a file`, false);
  return { path: await fs.realpath(file), mode: stats.mode & 0o777 };
}

/** Writes `bytes` to `file` whole or not at all. */
export async function writeOutputFile(file: string, bytes: Uint8Array): Promise<void> {
  await writeOutputStream(file, (write) => write(bytes));
}

/**
 * Writes what `produce` hands to `write`, chunk after chunk, to `file` whole or not at all: for
 * outputs too large to hold at once (every layer of a model). An error from `produce` leaves any
 * original as it was and is thrown as it is.
 */
export async function writeOutputStream(file: string, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const target = await outputTarget(file);
  const temp = path.join(path.dirname(target.path), `.${path.basename(target.path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  let handle: fs.FileHandle | undefined;
  let producing = false;
  try {
    handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, target.mode ?? 0o666);
    const open = handle;
    producing = true;
    await produce(async (chunk) => {
      producing = false;
      await open.writeFile(chunk);
      producing = true;
    });
    producing = false;
    // On disk before the rename, so a crash cannot leave the new name on an empty file.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target.path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    if (producing) throw e;
    throw unwritable(file, writeErrorReason(e), target.mode !== undefined);
  }
}
