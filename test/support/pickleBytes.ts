import { crc32 } from "zlib";
import { concatBytes } from "../../src/engine/formats/bytes";

// Hand-assembled pickles and zips: a hostile checkpoint is easiest to state as the bytes a
// payload would write, with no Python in the test run.

export type Piece = string | number[] | Uint8Array;

/** Concatenates pieces: strings as Latin-1 (one byte a character, so opcodes read as their letters). */
export function bytesOf(...pieces: Piece[]): Uint8Array {
  return concatBytes(pieces.map((p) => (typeof p === "string" ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p))));
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}

export const PROTO2 = "\x80\x02";
/** GLOBAL module.name */
export const global = (module: string, name: string): string => `c${module}\n${name}\n`;
/** BINUNICODE */
export const str = (text: string): Uint8Array => {
  const utf8 = new TextEncoder().encode(text);
  return bytesOf("X", u32(utf8.byteLength), utf8);
};
/** BININT */
export const int = (n: number): number[] => [0x4a, ...u32(n)];
export const tuple = (...items: Piece[]): Uint8Array => bytesOf("(", ...items, "t");
const EMPTY_ORDERED_DICT = bytesOf(global("collections", "OrderedDict"), ")R");

/** A persistent id of a storage, as torch.save writes it. */
export function storage(key: string, type = "FloatStorage", numel = 0): Uint8Array {
  return bytesOf(tuple(str("storage"), global("torch", type), str(key), str("cpu"), int(numel)), "Q");
}

/** _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict()). */
export function tensor(storageId: Uint8Array, offset: number, shape: number[], stride: number[]): Uint8Array {
  return bytesOf(
    global("torch._utils", "_rebuild_tensor_v2"),
    tuple(storageId, int(offset), tuple(...shape.map(int)), tuple(...stride.map(int)), "\x89", EMPTY_ORDERED_DICT),
    "R",
  );
}

/** A whole pickle of {key: value, ...} (an OrderedDict), values given as pickle pieces. */
export function dictPickle(entries: ReadonlyArray<[string, Piece]>): Uint8Array {
  return bytesOf(PROTO2, EMPTY_ORDERED_DICT, "(", ...entries.flatMap(([k, v]) => [str(k), v]), "u.");
}

/** A zip of stored (uncompressed) entries, as torch.save writes them. */
export function storedZip(entries: Readonly<Record<string, Uint8Array>>): Uint8Array {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const common = [...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0x21), ...u32(crc), ...u32(data.byteLength), ...u32(data.byteLength), ...u16(nameBytes.byteLength), ...u16(0)];
    const header = bytesOf(u32(0x04034b50), common, nameBytes, data);
    central.push(bytesOf(u32(0x02014b50), u16(20), common, u16(0), u16(0), u16(0), u32(0), u32(offset), nameBytes));
    local.push(header);
    offset += header.byteLength;
  }
  const directory = bytesOf(...central);
  const count = Object.keys(entries).length;
  const end = bytesOf(u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(directory.byteLength), u32(offset), u16(0));
  return bytesOf(...local, directory, end);
}

/** A torch.save-shaped checkpoint: `archive/data.pkl` and the storages as `archive/data/<key>`. */
export function checkpointZip(pickle: Uint8Array, storages: Readonly<Record<string, Uint8Array>> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = { "archive/data.pkl": pickle };
  for (const [key, bytes] of Object.entries(storages)) entries[`archive/data/${key}`] = bytes;
  entries["archive/version"] = bytesOf("3\n");
  return storedZip(entries);
}
