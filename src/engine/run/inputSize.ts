import { FeatureMapsError } from "../../shared/errors";
import type { RunnerModel } from "./inference";

// Models with free height and width often take only some sizes: a U-Net or a text detector
// (PaddleOCR's det needs multiples of 32) adds a map to one upsampled from a coarser level, and
// the two differ by a pixel unless the size divides by every stride. onnxruntime fails deep in the
// run with a broadcast error; the shapes worked out from the ops say which sizes fit. They only
// explain a run that failed: a model is never refused on them alone.

/** The strides tried, up to the coarsest any common backbone uses. */
const MULTIPLES = [2, 4, 8, 16, 32, 64, 128];

const nearest = (size: number, m: number): number => Math.max(m, Math.round(size / m) * m);

/** A fixed-size model refuses other sizes before anything runs. */
export function checkFixedSize(model: RunnerModel, height: number, width: number): void {
  const { fixedSize, label } = model;
  if (fixedSize && (fixedSize.height !== height || fixedSize.width !== width)) {
    throw new FeatureMapsError("INPUT_INVALID", `${label} only takes ${fixedSize.height}x${fixedSize.width} inputs, not ${height}x${width}`);
  }
}

/**
 * Why a run at height x width failed when the size is the cause, with the sizes the model takes;
 * undefined when the shapes fit (the failure is something else).
 */
export function sizeProblem(model: RunnerModel, height: number, width: number): FeatureMapsError | undefined {
  const { shapes, label } = model;
  const conflict = shapes?.(height, width).conflict;
  if (!shapes || conflict === undefined) return undefined;
  const fits = MULTIPLES.find((m) => {
    const [h, w] = [nearest(height, m), nearest(width, m)];
    // Two sizes of the multiple, so a size that fits by chance does not decide it.
    return shapes(h, w).conflict === undefined && shapes(h + m, w + m).conflict === undefined;
  });
  const advice = fits
    ? `it takes sizes that are multiples of ${fits}, e.g. ${nearest(height, fits)}x${nearest(width, fits)} (--size, featureMaps.inputSize)`
    : "it takes other sizes (--size, featureMaps.inputSize)";
  return new FeatureMapsError("INPUT_INVALID", `${label} cannot take a ${height}x${width} input (${conflict}); ${advice}`);
}
