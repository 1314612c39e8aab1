import type { NpyArray } from "../../src/engine/formats/npy";
import type { RgbaImage } from "../../src/engine/image/decode";

/** How many values of our RGBA image differ from OpenCV's uint8 [H, W, 3] BGR array, and by how much at most. */
export function bgrDifference(ours: RgbaImage, cv: NpyArray): { readonly differing: number; readonly worst: number } {
  let worst = 0;
  let differing = 0;
  for (let i = 0; i < ours.width * ours.height; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const d = Math.abs(ours.rgba[i * 4 + (2 - ch)] - cv.data[i * 3 + ch]);
      worst = Math.max(worst, d);
      if (d) differing++;
    }
  }
  return { differing, worst };
}
