// NumPy's .npz: a zip of .npy files, one per array, which np.load opens as a dict. Entries are
// stored uncompressed, as np.savez writes them, and written one after another as they are made,
// so a file of every layer never has to fit in memory. Zip64 records are added only where a size
// or an offset passes 4 GiB, as Python's zipfile (which np.load uses) does.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const ZIP64_VERSION = 45;
const PLAIN_VERSION = 20;
/** Names are UTF-8 (general purpose flag bit 11). */
const UTF8 = 0x0800;
/** 1980-01-01 00:00 in MS-DOS format: the same layers give the same file. */
const DOS_DATE = 0x21;

interface Entry {
  readonly name: Uint8Array;
  readonly crc: number;
  readonly size: number;
  readonly offset: number;
}

class Bytes {
  private readonly view: DataView;
  private at = 0;
  readonly bytes: Uint8Array;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }

  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }

  u32(v: number): this {
    this.view.setUint32(this.at, v, true);
    this.at += 4;
    return this;
  }

  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }
}

/** Writes an .npz through `write`, one array at a time; `finish` writes the directory. */
export class NpzWriter {
  private readonly entries: Entry[] = [];
  private readonly names = new Set<string>();
  private offset = 0;

  constructor(private readonly write: (chunk: Uint8Array) => Promise<void>) {}

  private async emit(chunk: Uint8Array): Promise<void> {
    await this.write(chunk);
    this.offset += chunk.length;
  }

  /** `key` is what np.load names the array; `npy` the whole .npy file. */
  async add(key: string, npy: Uint8Array): Promise<void> {
    if (this.names.has(key)) throw new Error(`an .npz holds one array per name; ${key} came twice`);
    this.names.add(key);
    const name = new TextEncoder().encode(`${key}.npy`);
    const entry: Entry = { name, crc: crc32(npy), size: npy.length, offset: this.offset };
    const big = entry.size >= MAX32;
    const header = new Bytes(30 + name.length + (big ? 20 : 0))
      .u32(0x04034b50)
      .u16(big ? ZIP64_VERSION : PLAIN_VERSION)
      .u16(UTF8)
      .u16(0)
      .u16(0)
      .u16(DOS_DATE)
      .u32(entry.crc)
      .u32(big ? MAX32 : entry.size)
      .u32(big ? MAX32 : entry.size)
      .u16(name.length)
      .u16(big ? 20 : 0)
      .raw(name);
    if (big) header.u16(1).u16(16).u64(entry.size).u64(entry.size);
    await this.emit(header.bytes);
    await this.emit(npy);
    this.entries.push(entry);
  }

  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const wide = [e.size >= MAX32, e.size >= MAX32, e.offset >= MAX32];
      const extra = wide.filter(Boolean).length * 8;
      const record = new Bytes(46 + e.name.length + (extra ? 4 + extra : 0))
        .u32(0x02014b50)
        .u16(ZIP64_VERSION)
        .u16(extra ? ZIP64_VERSION : PLAIN_VERSION)
        .u16(UTF8)
        .u16(0)
        .u16(0)
        .u16(DOS_DATE)
        .u32(e.crc)
        .u32(wide[0] ? MAX32 : e.size)
        .u32(wide[1] ? MAX32 : e.size)
        .u16(e.name.length)
        .u16(extra ? 4 + extra : 0)
        .u16(0)
        .u16(0)
        .u16(0)
        .u32(0)
        .u32(wide[2] ? MAX32 : e.offset)
        .raw(e.name);
      if (extra) {
        record.u16(1).u16(extra);
        if (wide[0]) record.u64(e.size);
        if (wide[1]) record.u64(e.size);
        if (wide[2]) record.u64(e.offset);
      }
      await this.emit(record.bytes);
    }
    const size = this.offset - start;
    const count = this.entries.length;
    if (count >= MAX16 || size >= MAX32 || start >= MAX32) {
      const at = this.offset;
      await this.emit(new Bytes(56).u32(0x06064b50).u64(44).u16(ZIP64_VERSION).u16(ZIP64_VERSION).u32(0).u32(0).u64(count).u64(count).u64(size).u64(start).bytes);
      await this.emit(new Bytes(20).u32(0x07064b50).u32(0).u64(at).u32(1).bytes);
    }
    await this.emit(
      new Bytes(22)
        .u32(0x06054b50)
        .u16(0)
        .u16(0)
        .u16(Math.min(count, MAX16))
        .u16(Math.min(count, MAX16))
        .u32(Math.min(size, MAX32))
        .u32(Math.min(start, MAX32))
        .u16(0).bytes,
    );
  }
}
