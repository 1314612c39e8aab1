import * as path from "path";
import { PassThrough, type Readable } from "stream";
import * as yauzl from "yauzl";
import { FeatureMapsError } from "../../shared/errors";
import { type RegularFile, withRegularFile } from "./files";

// A zip read through its central directory, entry by entry, from a file opened the safe way
// (files.ts): only the directory and the entries asked for are read, so a caller can list a
// multi-GB archive and take one small entry from it.

/**
 * torch.save writes one entry per storage; 131,072 is far past any state_dict, and keeps what a
 * hostile directory makes the extension host hold to tens of MB.
 */
const MAX_ENTRIES = 1 << 17;

export interface ZipReader {
  /** Entry names to their uncompressed sizes. */
  readonly sizes: ReadonlyMap<string, number>;
  /** An entry's bytes; refused before reading when it is larger than `limit`. */
  read(name: string, limit: number): Promise<Uint8Array>;
}

/** An archive above this size is read entry by entry, as each is asked for. */
const READ_WHOLE_LIMIT = 1024 * 1024 * 1024;

class RangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly file: RegularFile) {
    super();
  }

  _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    this.file.read(start, end - start).then(
      (bytes) => out.end(bytes),
      (e: unknown) => out.destroy(e as Error),
    );
    return out;
  }
}

/**
 * The archive read whole, in one read: torch.save stores its entries uncompressed, so each entry
 * is then a view of these bytes, and a checkpoint of many storages costs one read, not one per
 * storage.
 */
class MemoryReader extends yauzl.RandomAccessReader {
  constructor(private readonly bytes: Buffer) {
    super();
  }

  _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    out.end(this.bytes.subarray(start, end));
    return out;
  }
}

function entries(zip: yauzl.ZipFile, fail: (why: string) => never): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, yauzl.Entry>();
    zip.on("entry", (entry: yauzl.Entry) => {
      if (found.size >= MAX_ENTRIES) {
        zip.close();
        try {
          fail(`more than ${MAX_ENTRIES} entries`);
        } catch (e) {
          reject(e);
        }
        return;
      }
      found.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(found));
    zip.on("error", reject);
    zip.readEntry();
  });
}

function entryBytes(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      stream.on("error", reject);
    });
  });
}

/**
 * Opens `file` as a zip for `use`; a file that is not one (or is cut short) is WEIGHTS_INVALID
 * naming it. `few`: only a few small entries will be read (a checkpoint's pickle, for its shapes),
 * so reading the archive whole would be wasted.
 */
export async function withZip<T>(file: string, use: (zip: ZipReader) => Promise<T>, few = false): Promise<T> {
  const name = path.basename(file);
  const fail = (why: string): never => {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: not a readable zip archive: ${why}`);
  };
  // yauzl reports a broken archive as a plain Error; ours pass through unchanged.
  const wrap = (e: unknown): never => {
    if (e instanceof FeatureMapsError) throw e;
    return fail((e as Error).message);
  };
  return withRegularFile(file, "weights", async (f) => {
    const source = !few && f.size <= READ_WHOLE_LIMIT ? new MemoryReader(await f.read(0, f.size)) : new RangeReader(f);
    const zip = await yauzl
      .fromRandomAccessReaderPromise(source, f.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false })
      .catch(wrap);
    const found = await entries(zip, fail).catch(wrap);
    const reader: ZipReader = {
      sizes: new Map([...found].map(([n, e]) => [n, e.uncompressedSize])),
      read: async (entryName, limit) => {
        const entry = found.get(entryName) ?? fail(`it has no entry ${entryName}`);
        if (entry.uncompressedSize > limit) fail(`${entryName} has ${entry.uncompressedSize} bytes, more than the ${limit} it may have`);
        return entryBytes(zip, entry).catch(wrap);
      },
    };
    return use(reader);
  });
}
