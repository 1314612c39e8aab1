import { FeatureMapsError } from "../../shared/errors";
import type { ScoreReduction } from "../../shared/choices";
import type { ClassScore } from "../../shared/explain";

// The score an explanation explains: one class of one model output. An output with more than one
// row (the XAI model's [9, 2] at 100x100, a segmentation map) gives one score per class by
// reducing over everything but the class axis (axis 1).

export interface OutputTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}


function classAxis(shape: readonly number[], label: string): { classes: number; rows: number; inner: number } {
  if (shape.length < 2) throw new FeatureMapsError("INPUT_INVALID", `${label}: the output has shape [${shape.join(", ")}]; a class score needs a class axis (axis 1)`);
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return { classes: shape[1], rows: shape[0], inner };
}

/** Each class's score: the sum or mean of its elements over rows (and positions). */
export function classScores(output: OutputTensor, reduce: ScoreReduction, label: string): Float64Array {
  const { classes, rows, inner } = classAxis(output.shape, label);
  const scores = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classes; c++) {
      const base = (r * classes + c) * inner;
      for (let i = 0; i < inner; i++) scores[c] += output.data[base + i];
    }
  }
  if (reduce === "mean") for (let c = 0; c < classes; c++) scores[c] /= rows * inner;
  return scores;
}

/** The classes by score, highest first, with softmax probabilities. */
export function topClasses(scores: Float64Array, count: number): ClassScore[] {
  const max = Math.max(...scores);
  const exps = Array.from(scores, (s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return Array.from(scores, (score, index) => ({ index, score, probability: exps[index] / total }))
    .sort((a, b) => b.score - a.score)
    .slice(0, count);
}

/** dScore/dOutput: 1 (sum) or 1/count (mean) on the class's elements, 0 elsewhere. */
export function scoreSeed(shape: readonly number[], classIndex: number, reduce: ScoreReduction, label: string): Float32Array {
  const { classes, rows, inner } = classAxis(shape, label);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new FeatureMapsError("INPUT_INVALID", `${label}: class ${classIndex} is not among the output's ${classes} classes (0-${classes - 1})`);
  }
  const seed = new Float32Array(rows * classes * inner);
  const value = reduce === "mean" ? 1 / (rows * inner) : 1;
  for (let r = 0; r < rows; r++) seed.fill(value, (r * classes + classIndex) * inner, (r * classes + classIndex + 1) * inner);
  return seed;
}
