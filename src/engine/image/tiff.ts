import * as zlib from "zlib";
import * as UTIF from "utif2";
import type { RgbaImage } from "./decode";
import { checkMegapixels, cutShort, unreadable } from "./imageErrors";
import { quietly } from "./quietly";

// Page 1 is decoded, as cv2.imread reads a TIFF. utif2 decodes every page and trusts every number
// in the file: a later page claiming 40000x40000 gets its buffer, a value count of 2^32 is read
// value by value, a directory that links to itself is followed forever, and strips that lie past
// the end of a cut file read as zeros (black rows). So the page chain is walked here first, every
// page's size checked, page 1's directory checked entry by entry, and utif2 is handed a copy of
// the file whose chain ends after page 1.

/** Bytes per value of each TIFF field type (1 BYTE .. 13 IFD); other types hold nothing utif2 reads. */
const TYPE_BYTES: readonly number[] = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/** Tags whose values point at more directories (SubIFDs, EXIF, GPS, DNG private data, Fuji): metadata not needed for the pixels. */
const LINKED_DIRECTORIES: ReadonlySet<number> = new Set([330, 34665, 34853, 50740, 61440]);

/** Compressions utif2 decodes in full: none, CCITT 1D/G3/G4, LZW, old and new JPEG, Deflate, PackBits. */
const COMPRESSIONS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 8, 32773, 32946]);
const DEFLATE: ReadonlySet<number> = new Set([8, 32946]);

/** The most bits a pixel can have (four 32-bit samples); more is a corrupt header, not an image. */
const MAX_BITS_PER_PIXEL = 128;

/** utif2's decode takes options its types leave out; without parseMN: false it follows MakerNote directories too. */
const decodeDirectories = UTIF.decode as (buffer: ArrayBuffer, options: { parseMN: boolean; debug: boolean }) => UTIF.IFD[];

/** The width and height a directory gives (SHORT or LONG values, stored in the entry itself). */
function pageSize(view: DataView, le: boolean, directory: number, entries: number): { width: number; height: number } {
  const size = { width: 0, height: 0 };
  for (let entry = directory + 2; entry < directory + 2 + entries * 12; entry += 12) {
    const tag = view.getUint16(entry, le);
    if (tag !== 256 && tag !== 257) continue;
    const value = view.getUint16(entry + 2, le) === 3 ? view.getUint16(entry + 8, le) : view.getUint32(entry + 8, le);
    if (tag === 256) size.width = value;
    else size.height = value;
  }
  return size;
}

/** Every directory in the chain, each page's size checked; a loop, a cut or an overlap is refused. */
function pageDirectories(view: DataView, le: boolean, name: string, maxMegapixels: number): Array<{ readonly at: number; readonly entries: number }> {
  const pages: Array<{ at: number; entries: number }> = [];
  const seen = new Set<number>();
  let scanned = 0;
  for (let at = view.getUint32(4, le); at !== 0; ) {
    if (seen.has(at)) throw unreadable(name, "the TIFF's pages link in a loop");
    seen.add(at);
    if (at + 2 > view.byteLength) throw cutShort(name, "TIFF");
    const entries = view.getUint16(at, le);
    const next = at + 2 + entries * 12;
    if (next + 4 > view.byteLength) throw cutShort(name, "TIFF");
    // Directories may overlap; more entries than the file can hold apart is a trap, not a file.
    scanned += 2 + entries * 12 + 4;
    if (scanned > view.byteLength) throw unreadable(name, "the TIFF's page directories overlap");
    const { width, height } = pageSize(view, le, at, entries);
    checkMegapixels(name, width, height, maxMegapixels, pages.length === 0 ? "" : `page ${pages.length + 1}, `);
    pages.push({ at, entries });
    at = view.getUint32(next, le);
  }
  if (pages.length === 0) throw unreadable(name, "the TIFF holds no page");
  return pages;
}

/** A copy of the file that utif2 can read page 1 of without following anything unchecked. */
function pageOneOnly(bytes: Uint8Array, name: string, maxMegapixels: number): Uint8Array {
  if (bytes.byteLength < 8) throw cutShort(name, "TIFF");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  if (view.getUint16(2, le) !== 42) throw unreadable(name, "BigTIFF and other TIFF variants are not supported");
  const [{ at: directory, entries }] = pageDirectories(view, le, name, maxMegapixels);
  const next = directory + 2 + entries * 12;
  const copy = new Uint8Array(bytes);
  const copyView = new DataView(copy.buffer);
  let valueBytes = 0;
  for (let entry = directory + 2; entry < next; entry += 12) {
    const tag = view.getUint16(entry, le);
    if (LINKED_DIRECTORIES.has(tag)) {
      copyView.setUint32(entry + 4, 0, le);
      continue;
    }
    const size = view.getUint32(entry + 4, le) * (TYPE_BYTES[view.getUint16(entry + 2, le)] ?? 0);
    if (size <= 4) continue;
    if (view.getUint32(entry + 8, le) + size > bytes.byteLength) throw cutShort(name, "TIFF");
    valueBytes += size;
  }
  // Entries may point at the same bytes; past the file's size that is a trap, not sharing.
  if (valueBytes > bytes.byteLength) throw unreadable(name, "the TIFF directory's values add up to more than the file");
  copyView.setUint32(next, 0, le);
  return copy;
}

function first(ifd: UTIF.IFD, tag: number): number | undefined {
  const value = ifd[`t${tag}`];
  return Array.isArray(value) && typeof value[0] === "number" ? value[0] : undefined;
}

function numbers(ifd: UTIF.IFD, tag: number): readonly number[] {
  const value = ifd[`t${tag}`];
  return Array.isArray(value) ? value.map(Number) : [];
}

interface Segment {
  readonly offset: number;
  /** Its byte count in the file, if the page gives one. */
  readonly length: number | undefined;
  /** The bytes its rows take unpacked; the last strip may have fewer rows. */
  readonly stored: number;
  /** The most it may unpack to: a whole strip or tile. */
  readonly unpacked: number;
}

function segments(page: UTIF.IFD, width: number, height: number, name: string, maxMegapixels: number): Segment[] {
  const bitsPerPixel = (first(page, 258) ?? 1) * (first(page, 277) ?? 1);
  if (!(bitsPerPixel > 0 && bitsPerPixel <= MAX_BITS_PER_PIXEL)) throw unreadable(name, `the TIFF claims ${bitsPerPixel} bits a pixel`);
  const tileWidth = first(page, 322);
  const tileHeight = first(page, 323);
  const tiled = tileWidth !== undefined;
  let across = 1;
  let rows = Math.min(first(page, 278) ?? height, height);
  let rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  if (tiled) {
    if (!(tileWidth > 0 && tileHeight !== undefined && tileHeight > 0)) throw unreadable(name, "the TIFF gives no tile size");
    checkMegapixels(name, tileWidth, tileHeight, maxMegapixels, "a tile, ");
    across = Math.ceil(width / tileWidth);
    rows = tileHeight;
    rowBytes = Math.ceil((tileWidth * bitsPerPixel) / 8);
  }
  if (!(rows > 0)) throw unreadable(name, "the TIFF gives no rows per strip");
  const offsets = numbers(page, tiled ? 324 : 273);
  const lengths = numbers(page, tiled ? 325 : 279);
  const needed = across * Math.ceil(height / rows);
  if (offsets.length < needed) throw unreadable(name, `the TIFF has ${offsets.length} of the ${needed} ${tiled ? "tiles" : "strips"} its size needs`);
  return offsets.slice(0, needed).map((offset, i) => ({
    offset,
    length: lengths[i],
    stored: (tiled ? rows : Math.min(rows, height - i * rows)) * rowBytes,
    unpacked: rows * rowBytes,
  }));
}

/** Refuses what utif2 would decode to black rows or unbounded memory, before it runs. */
function checkSegments(list: readonly Segment[], compression: number, fileBytes: number, name: string): void {
  for (const { offset, length, stored } of list) {
    if (compression === 1) {
      // utif2 copies an uncompressed strip by its byte count (a lone strip by its size): fewer bytes leave rows black.
      if (offset + stored > fileBytes) throw cutShort(name, "TIFF");
      if (list.length > 1 && !(length !== undefined && length >= stored)) throw unreadable(name, `a TIFF strip holds ${length ?? "no"} bytes of the ${stored} its rows need`);
      continue;
    }
    if (length === undefined) throw unreadable(name, "the TIFF gives no strip byte counts");
    if (offset + length > fileBytes) throw cutShort(name, "TIFF");
  }
}

/** utif2 inflates without a bound, so a few MB of Deflate could unpack to gigabytes: each segment is tried within its size first. */
function checkInflatedSizes(bytes: Uint8Array, list: readonly Segment[], name: string): void {
  for (const { offset, length = 0, unpacked } of list) {
    try {
      zlib.inflateSync(bytes.subarray(offset, offset + length), { maxOutputLength: Math.max(unpacked, 1) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw unreadable(name, `a TIFF strip unpacks to more than its ${unpacked} bytes`);
      throw unreadable(name, `a TIFF strip's Deflate data cannot be unpacked (${(e as Error).message})`);
    }
  }
}

/**
 * cv2.imread reads colour TIFFs through libtiff's TIFFRGBAImage, which narrows 16-bit samples by
 * rounding, (v + 128) / 257, where utif2 keeps the high byte, and premultiplies unassociated alpha
 * (ExtraSamples 2) into the colour, which cv2 keeps when it drops the alpha. Grey pages agree.
 */
function asLibtiffReadsColour(page: UTIF.IFD, rgba: Uint8Array): void {
  if (first(page, 262) !== 2) return;
  const samples = first(page, 277) ?? 3;
  if (first(page, 258) === 16) {
    // utif2 leaves 16-bit samples little-endian, whatever the file's byte order.
    const view = new DataView(page.data.buffer, page.data.byteOffset, page.data.byteLength);
    const kept = Math.min(samples, 4);
    for (let s = 0, p = 0; p < rgba.length; s += samples * 2, p += 4) {
      for (let c = 0; c < kept; c++) rgba[p + c] = Math.floor((view.getUint16(s + 2 * c, true) + 128) / 257);
    }
  }
  if (samples >= 4 && first(page, 338) === 2) {
    for (let p = 0; p < rgba.length; p += 4) {
      for (let c = 0; c < 3; c++) rgba[p + c] = Math.floor((rgba[p + c] * rgba[p + 3] + 127) / 255);
    }
  }
}

export function decodeTiff(bytes: Uint8Array, name: string, maxMegapixels: number): RgbaImage {
  const file = pageOneOnly(bytes, name, maxMegapixels);
  const page = quietly(() => decodeDirectories(file.buffer as ArrayBuffer, { parseMN: false, debug: false })).result[0];
  const width = page && first(page, 256);
  const height = page && first(page, 257);
  if (!page || !width || !height) throw unreadable(name, "the TIFF's first page gives no size");
  checkMegapixels(name, width, height, maxMegapixels);
  const compression = first(page, 259) ?? 1;
  if (!COMPRESSIONS.has(compression)) throw unreadable(name, `TIFF compression ${compression} is not supported`);
  // utif2 reads separate colour planes as if interleaved: a scrambled picture, not an error.
  if (first(page, 284) === 2) throw unreadable(name, "TIFFs with separate colour planes are not supported");
  const list = segments(page, width, height, name, maxMegapixels);
  checkSegments(list, compression, bytes.byteLength, name);
  if (DEFLATE.has(compression)) checkInflatedSizes(bytes, list, name);
  const rgba = quietly(() => {
    UTIF.decodeImage(file.buffer as ArrayBuffer, page);
    return UTIF.toRGBA8(page);
  }).result;
  if (rgba.length !== width * height * 4) throw unreadable(name, "the TIFF's first page cannot be decoded");
  asLibtiffReadsColour(page, rgba);
  return { width, height, rgba };
}
