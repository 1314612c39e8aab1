import { GifReader } from "omggif";
import type { RgbaImage } from "./decode";
import { checkMegapixels, cutShort, unreadable } from "./imageErrors";
import { quietly } from "./quietly";

// The first frame, drawn on the logical screen as a browser shows a GIF before it animates.
// A frame has its own size, which the header's (the screen's) says nothing about: a 35-byte file
// can hold a 65535x65535 frame that takes minutes to decode, so the frame is checked first.

export function decodeGif(bytes: Uint8Array, name: string, maxMegapixels: number): RgbaImage {
  const reader = new GifReader(bytes);
  if (reader.numFrames() === 0) throw unreadable(name, "the GIF holds no image");
  const frame = reader.frameInfo(0);
  checkMegapixels(name, frame.width, frame.height, maxMegapixels, "the first frame, ");
  const rgba = new Uint8Array(reader.width * reader.height * 4);
  // omggif's only report of a frame whose data runs out before its last pixel is this line;
  // the pixels it did not reach would be left transparent black.
  const { printed } = quietly(() => reader.decodeAndBlitFrameRGBA(0, rgba));
  if (printed.some((line) => line.includes("shorter than expected"))) throw cutShort(name, "GIF");
  return { width: reader.width, height: reader.height, rgba };
}
