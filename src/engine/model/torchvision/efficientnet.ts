import { convNormActivation, flatten, GraphBuilder, linear, makeDivisible, squeezeExcitation } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.efficientnet_b0: stages of MBConv blocks (1x1 expand, depthwise, squeeze-
// excitation with a sigmoid gate, 1x1 projection), SiLU throughout; where a block keeps its shape,
// StochasticDepth (the identity in eval mode) and the input added back.

/** [expand ratio, kernel, first stride, in, out, blocks], torchvision's B0 table. */
const STAGES: ReadonlyArray<readonly [number, number, number, number, number, number]> = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];
const STOCHASTIC_DEPTH = 0.2;

function mbConv(b: GraphBuilder, id: string, expand: number, kernel: number, stride: number, inC: number, out: number, depthProb: number): void {
  const expanded = makeDivisible(inC * expand);
  b.container(id, "MBConv", () => {
    const input = b.last;
    b.container(`${id}.block`, "Sequential", () => {
      let i = 0;
      if (expanded !== inC) convNormActivation(b, `${id}.block.${i++}`, inC, expanded, 1, { activation: "silu" });
      convNormActivation(b, `${id}.block.${i++}`, expanded, expanded, kernel, { stride, groups: expanded, activation: "silu" });
      squeezeExcitation(b, `${id}.block.${i++}`, expanded, Math.max(1, Math.floor(inC / 4)), "silu", "sigmoid");
      convNormActivation(b, `${id}.block.${i++}`, expanded, out, 1);
    });
    if (stride === 1 && inC === out) {
      const dropped = b.add(`${id}.stochastic_depth`, { type: "stochastic_depth", p: depthProb });
      b.add(`${id}.add`, { type: "add" }, [dropped, input]);
    }
  });
}

export function efficientnet_b0(numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  const total = STAGES.reduce((sum, s) => sum + s[5], 0);
  const last = 4 * STAGES[STAGES.length - 1][4];
  b.container("features", "Sequential", () => {
    convNormActivation(b, "features.0", 3, STAGES[0][3], 3, { stride: 2, activation: "silu" });
    let block = 0;
    STAGES.forEach(([expand, kernel, stride, inC, out, count], s) => {
      b.container(`features.${s + 1}`, "Sequential", () => {
        for (let k = 0; k < count; k++) {
          mbConv(b, `features.${s + 1}.${k}`, expand, kernel, k === 0 ? stride : 1, k === 0 ? inC : out, out, (STOCHASTIC_DEPTH * block++) / total);
        }
      });
    });
    convNormActivation(b, `features.${STAGES.length + 1}`, STAGES[STAGES.length - 1][4], last, 1, { activation: "silu" });
  });
  b.add("avgpool", { type: "adaptive_avgpool2d", output: 1 });
  flatten(b);
  b.container("classifier", "Sequential", () => {
    b.add("classifier.0", { type: "dropout", p: 0.2 });
    linear(b, "classifier.1", last, numClasses);
  });
  return b.graph();
}
