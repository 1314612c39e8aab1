import { type Activation, convNormActivation, flatten, GraphBuilder, linear, makeDivisible, squeezeExcitation } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.mobilenet_v3_small/large: inverted residuals with optional
// squeeze-excitation (Hardsigmoid gate) and ReLU or Hardswish; BatchNorm eps 0.001.

/** [in, kernel, expanded, out, squeeze-excitation, Hardswish, stride], as torchvision's table. */
type Row = readonly [number, number, number, number, boolean, boolean, number];

const LARGE: readonly Row[] = [
  [16, 3, 16, 16, false, false, 1],
  [16, 3, 64, 24, false, false, 2],
  [24, 3, 72, 24, false, false, 1],
  [24, 5, 72, 40, true, false, 2],
  [40, 5, 120, 40, true, false, 1],
  [40, 5, 120, 40, true, false, 1],
  [40, 3, 240, 80, false, true, 2],
  [80, 3, 200, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1],
  [80, 3, 480, 112, true, true, 1],
  [112, 3, 672, 112, true, true, 1],
  [112, 5, 672, 160, true, true, 2],
  [160, 5, 960, 160, true, true, 1],
  [160, 5, 960, 160, true, true, 1],
];

const SMALL: readonly Row[] = [
  [16, 3, 16, 16, true, false, 2],
  [16, 3, 72, 24, false, false, 2],
  [24, 3, 88, 24, false, false, 1],
  [24, 5, 96, 40, true, true, 2],
  [40, 5, 240, 40, true, true, 1],
  [40, 5, 240, 40, true, true, 1],
  [40, 5, 120, 48, true, true, 1],
  [48, 5, 144, 48, true, true, 1],
  [48, 5, 288, 96, true, true, 2],
  [96, 5, 576, 96, true, true, 1],
  [96, 5, 576, 96, true, true, 1],
];

const EPS = 1e-3;

function invertedResidual(b: GraphBuilder, id: string, [inC, kernel, expanded, out, se, hardswish, stride]: Row): void {
  const activation: Activation = hardswish ? "hardswish" : "relu";
  b.container(id, "InvertedResidual", () => {
    const input = b.last;
    const body = b.container(`${id}.block`, "Sequential", () => {
      let i = 0;
      if (expanded !== inC) convNormActivation(b, `${id}.block.${i++}`, inC, expanded, 1, { activation, eps: EPS });
      convNormActivation(b, `${id}.block.${i++}`, expanded, expanded, kernel, { stride, groups: expanded, activation, eps: EPS });
      if (se) squeezeExcitation(b, `${id}.block.${i++}`, expanded, makeDivisible(expanded / 4), "relu", "hardsigmoid");
      convNormActivation(b, `${id}.block.${i++}`, expanded, out, 1, { eps: EPS });
    });
    if (stride === 1 && inC === out) b.add(`${id}.add`, { type: "add" }, [body, input]);
  });
}

function mobilenetV3(rows: readonly Row[], lastChannel: number, numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  const lastIn = rows[rows.length - 1][3];
  b.container("features", "Sequential", () => {
    convNormActivation(b, "features.0", 3, rows[0][0], 3, { stride: 2, activation: "hardswish", eps: EPS });
    rows.forEach((row, i) => invertedResidual(b, `features.${i + 1}`, row));
    convNormActivation(b, `features.${rows.length + 1}`, lastIn, 6 * lastIn, 1, { activation: "hardswish", eps: EPS });
  });
  b.add("avgpool", { type: "adaptive_avgpool2d", output: 1 });
  flatten(b);
  b.container("classifier", "Sequential", () => {
    linear(b, "classifier.0", 6 * lastIn, lastChannel);
    b.add("classifier.1", { type: "hardswish" });
    b.add("classifier.2", { type: "dropout", p: 0.2 });
    linear(b, "classifier.3", lastChannel, numClasses);
  });
  return b.graph();
}

export const mobilenet_v3_large = (n: number): ModuleGraph => mobilenetV3(LARGE, 1280, n);
export const mobilenet_v3_small = (n: number): ModuleGraph => mobilenetV3(SMALL, 1024, n);
