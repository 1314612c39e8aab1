import * as zlib from "zlib";
import { concatBytes } from "../../src/engine/formats/bytes";

// Hostile images and arrays, built byte by byte so each test shows exactly what the file claims.

/** One TIFF directory entry: tag, field type (3 SHORT, 4 LONG), values. */
type Entry = readonly [tag: number, type: 3 | 4, values: readonly number[]];

export interface TiffPage {
  readonly width: number;
  readonly height: number;
  /** Samples per pixel at 8 bits each; 1 is grey. */
  readonly samples?: number;
  /** Strips (or tiles, with `tile`), each at its own offset, already compressed as `compression` says. */
  readonly strips: readonly Uint8Array[];
  /** TIFF compression code: 1 none (the default), 8 Deflate. */
  readonly compression?: number;
  readonly tile?: { readonly width: number; readonly height: number };
}

/**
 * A little-endian TIFF: the header, every page's strips, then the directories,
 * each linking to the next, the way libtiff lays a file out.
 */
export function tiff(pages: readonly TiffPage[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0x49, 0x49, 42, 0, 0, 0, 0, 0])];
  let length = 8;
  const append = (bytes: Uint8Array): number => {
    const at = length;
    parts.push(bytes);
    length += bytes.byteLength;
    return at;
  };
  const stripOffsets = pages.map((page) => page.strips.map(append));
  let link = 4;
  pages.forEach((page, p) => {
    const samples = page.samples ?? 1;
    const counts = page.strips.map((s) => s.byteLength);
    const entries: Entry[] = [
      [256, 4, [page.width]],
      [257, 4, [page.height]],
      [258, 3, Array<number>(samples).fill(8)],
      [259, 3, [page.compression ?? 1]],
      [262, 3, [samples >= 3 ? 2 : 1]],
      ...(page.tile
        ? ([
            [322, 4, [page.tile.width]],
            [323, 4, [page.tile.height]],
            [324, 4, stripOffsets[p]],
            [325, 4, counts],
          ] as const)
        : ([
            [273, 4, stripOffsets[p]],
            [277, 3, [samples]],
            [278, 4, [page.height]],
            [279, 4, counts],
          ] as const)),
    ];
    if (page.tile) entries.push([277, 3, [samples]]);
    entries.sort((a, b) => a[0] - b[0]);
    const at = length + (length % 2);
    if (at > length) append(new Uint8Array(1));
    const directory = new DataView(new ArrayBuffer(2 + entries.length * 12 + 4));
    const values: number[][] = [];
    let spill = at + directory.byteLength;
    directory.setUint16(0, entries.length, true);
    entries.forEach(([tag, type, list], i) => {
      const o = 2 + i * 12;
      const width = type === 3 ? 2 : 4;
      directory.setUint16(o, tag, true);
      directory.setUint16(o + 2, type, true);
      directory.setUint32(o + 4, list.length, true);
      if (list.length * width <= 4) {
        list.forEach((v, j) => (type === 3 ? directory.setUint16(o + 8 + 2 * j, v, true) : directory.setUint32(o + 8, v, true)));
      } else {
        directory.setUint32(o + 8, spill, true);
        values.push([type, ...list]);
        spill += list.length * width;
      }
    });
    patchLink(parts, link, at);
    append(new Uint8Array(directory.buffer));
    link = at + 2 + entries.length * 12;
    for (const [type, ...list] of values) {
      const bytes = new DataView(new ArrayBuffer(list.length * (type === 3 ? 2 : 4)));
      list.forEach((v, j) => (type === 3 ? bytes.setUint16(2 * j, v, true) : bytes.setUint32(4 * j, v, true)));
      append(new Uint8Array(bytes.buffer));
    }
  });
  return concatBytes(parts);
}

/** Writes a directory's offset at `at`, which may be the header's first-directory field or a previous directory's link. */
function patchLink(parts: readonly Uint8Array[], at: number, value: number): void {
  let start = 0;
  for (const part of parts) {
    if (at < start + part.byteLength) {
      new DataView(part.buffer, part.byteOffset, part.byteLength).setUint32(at - start, value, true);
      return;
    }
    start += part.byteLength;
  }
}


/** Codes packed least significant bit first, as GIF's LZW stream is, in sub-blocks of up to 255 bytes. */
function lzwBlocks(codes: readonly number[], bits: number): number[] {
  const bytes: number[] = [];
  let acc = 0;
  let held = 0;
  for (const code of codes) {
    acc |= code << held;
    held += bits;
    while (held >= 8) {
      bytes.push(acc & 0xff);
      acc >>= 8;
      held -= 8;
    }
  }
  if (held > 0) bytes.push(acc & 0xff);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(Math.min(255, bytes.length - i), ...bytes.slice(i, i + 255));
  return [...out, 0];
}

/**
 * A GIF with a 2-colour palette and one frame. `pixels` is the number of palette-index-0 pixels
 * the LZW data holds; each is sent after a clear code, so every code stays 3 bits wide.
 */
export function gif(screen: { width: number; height: number }, frame: { width: number; height: number }, pixels: number): Uint8Array {
  const le16 = (v: number) => [v & 0xff, v >> 8];
  const codes = [...Array.from({ length: pixels }, () => [4, 0]).flat(), 5];
  return Uint8Array.from([
    ...Array.from("GIF89a", (c) => c.charCodeAt(0)),
    ...le16(screen.width),
    ...le16(screen.height),
    0x80, // a global palette of 2 colours
    0,
    0,
    ...[200, 30, 40, 10, 20, 250],
    0x2c,
    ...le16(0),
    ...le16(0),
    ...le16(frame.width),
    ...le16(frame.height),
    0,
    2, // LZW minimum code size: clear is 4, end 5
    ...lzwBlocks(codes, 3),
    0x3b,
  ]);
}

/** An 8-bit grey PNG whose IDAT holds the given zlib stream, whatever the size says. */
export function png(width: number, height: number, interlaced: boolean, idat: Uint8Array): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.byteLength);
    out.set(Array.from(type, (c) => c.charCodeAt(0)), 4);
    out.set(data, 8);
    view.setUint32(8 + data.byteLength, zlib.crc32(out.subarray(4, 8 + data.byteLength)));
    return out;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 0, 0, 0, interlaced ? 1 : 0], 8);
  return concatBytes([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
}

/** A .npy header (format 1.0) for an array of the given dtype and shape; the data follows it. */
export function npyHeader(descr: "|u1" | "<f4", shape: readonly number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, ...Array.from("NUMPY", (c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Array.from(header, (c) => c.charCodeAt(0)), 10);
  return out;
}
