import { Jimp } from "jimp";
import type { LayerReply } from "../../shared/protocol";
import { colormapLut, type ColormapName, paintTile } from "../../shared/colormaps";

export interface GridLayout {
  readonly rows: number;
  readonly columns: number;
}

const TARGET_TILE_PIXELS = 200;
const GAP = 4;

/** Nearest-neighbour upscaling so small deep-layer maps stay readable as blocks, not blurs. */
function upscale(tile: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  if (factor === 1) return tile;
  const out = new Uint8Array(width * factor * height * factor);
  for (let y = 0; y < height * factor; y++) {
    const row = Math.floor(y / factor) * width;
    for (let x = 0; x < width * factor; x++) out[y * width * factor + x] = tile[row + Math.floor(x / factor)];
  }
  return out;
}

/**
 * The tiles of a layer reply as one PNG: rows x columns, white gaps, each tile through the
 * colormap, its NaN and infinities in their fixed colours.
 */
export async function renderGridPng(reply: LayerReply, layout: GridLayout, colormap: ColormapName): Promise<Uint8Array> {
  const factor = Math.max(1, Math.round(TARGET_TILE_PIXELS / Math.max(reply.width, reply.height)));
  const tw = reply.width * factor;
  const th = reply.height * factor;
  const width = layout.columns * tw + (layout.columns - 1) * GAP;
  const height = layout.rows * th + (layout.rows - 1) * GAP;
  const canvas = new Uint8ClampedArray(width * height * 4).fill(255);
  const lut = colormapLut(colormap);
  const size = reply.width * reply.height;
  for (let i = 0; i < reply.channels.length && i < layout.rows * layout.columns; i++) {
    const scaled = (bytes: Uint8Array): Uint8Array => upscale(bytes.subarray(i * size, (i + 1) * size), reply.width, reply.height, factor);
    const x0 = (i % layout.columns) * (tw + GAP);
    const y0 = Math.floor(i / layout.columns) * (th + GAP);
    paintTile(scaled(reply.tiles), tw, th, lut, canvas, width, x0, y0, reply.nonFinite && scaled(reply.nonFinite));
  }
  const image = new Jimp({ width, height, data: Buffer.from(canvas.buffer) });
  return new Uint8Array(await image.getBuffer("image/png"));
}
