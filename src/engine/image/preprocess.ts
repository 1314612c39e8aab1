import type { PixelOrder } from "../../shared/choices";
import type { RgbaImage } from "./decode";
import { resizeBilinear } from "./resize";
import { FeatureMapsError } from "../../shared/errors";


export interface Preprocessing {
  readonly height: number;
  readonly width: number;
  /** The reference notebook reads with cv2.imread, so its model sees BGR. */
  readonly channelOrder: PixelOrder;
  /** Multiplies the 8-bit values; 1/255 is ToTensor(). */
  readonly scale: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/** The largest model input, 4096x4096: the memory a run takes grows with the input's area. */
export const MAX_INPUT_PIXELS = 4096 * 4096;

export const NOTEBOOK_PREPROCESSING: Preprocessing = { height: 100, width: 100, channelOrder: "bgr", scale: 1 / 255 };

export function preprocessingKey(p: Preprocessing): string {
  return JSON.stringify([p.height, p.width, p.channelOrder, p.scale, p.mean ?? null, p.std ?? null]);
}

export function checkPreprocessing(p: Preprocessing): void {
  for (const [name, v] of [["mean", p.mean], ["std", p.std]] as const) {
    if (v !== undefined && (v.length !== 3 || v.some((x) => !Number.isFinite(x)))) throw new FeatureMapsError("CONFIG_INVALID", `${name} must be three numbers, one per channel`);
  }
  if (p.std?.some((x) => x === 0)) throw new FeatureMapsError("CONFIG_INVALID", "std must not contain 0");
  if (!(Number.isInteger(p.height) && Number.isInteger(p.width) && p.height > 0 && p.width > 0 && p.height * p.width <= MAX_INPUT_PIXELS)) {
    throw new FeatureMapsError("CONFIG_INVALID", `input size ${p.height}x${p.width} must be positive whole numbers of at most 4096x4096 pixels`);
  }
}

/**
 * The resized 8-bit image in the model's channel order, as HWC-free planes: [3, H, W] bytes.
 * Alpha is dropped and the stored colour kept, as cv2.imread(IMREAD_COLOR) does; grey images
 * arrive from the decoder with R = G = B, so they become 3 equal channels.
 */
export function modelInputBytes(image: RgbaImage, p: Preprocessing): { resized: RgbaImage; planes: Uint8Array } {
  const resized = image.width === p.width && image.height === p.height ? image : resizeBilinear(image, p.width, p.height);
  const n = p.width * p.height;
  const planes = new Uint8Array(3 * n);
  const order = p.channelOrder === "bgr" ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) planes[c * n + i] = resized.rgba[i * 4 + order[c]];
  }
  return { resized, planes };
}

/** 8-bit planes to the float tensor [1, 3, H, W]: x * scale, then (x - mean) / std per channel. */
export function planesToTensor(planes: ArrayLike<number>, p: Preprocessing): Float32Array {
  const n = p.width * p.height;
  const out = new Float32Array(planes.length);
  for (let c = 0; c < 3; c++) {
    const mean = p.mean?.[c] ?? 0;
    const std = p.std?.[c] ?? 1;
    for (let i = c * n; i < (c + 1) * n; i++) out[i] = (planes[i] * p.scale - mean) / std;
  }
  return out;
}
