import { batchNorm, conv, convNormActivation, flatten, GraphBuilder, linear } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.mobilenet_v2: inverted residuals (1x1 expand, 3x3 depthwise, 1x1 linear
// projection; the input added back where the shape allows), ReLU6 throughout.

/** [expansion t, channels c, repeats n, first stride s], as the paper's table 2. */
const SETTING: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function invertedResidual(b: GraphBuilder, id: string, inC: number, out: number, stride: number, expand: number): void {
  const hidden = Math.round(inC * expand);
  b.container(id, "InvertedResidual", () => {
    const input = b.last;
    const body = b.container(`${id}.conv`, "Sequential", () => {
      let i = 0;
      if (expand !== 1) convNormActivation(b, `${id}.conv.${i++}`, inC, hidden, 1, { activation: "relu6" });
      convNormActivation(b, `${id}.conv.${i++}`, hidden, hidden, 3, { stride, groups: hidden, activation: "relu6" });
      conv(b, `${id}.conv.${i++}`, hidden, out, 1, { bias: false });
      batchNorm(b, `${id}.conv.${i++}`, out);
    });
    if (stride === 1 && inC === out) b.add(`${id}.add`, { type: "add" }, [input, body]);
  });
}

export function mobilenet_v2(numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  let channels = 32;
  b.container("features", "Sequential", () => {
    convNormActivation(b, "features.0", 3, channels, 3, { stride: 2, activation: "relu6" });
    let i = 1;
    for (const [t, c, n, s] of SETTING) {
      for (let k = 0; k < n; k++) {
        invertedResidual(b, `features.${i++}`, channels, c, k === 0 ? s : 1, t);
        channels = c;
      }
    }
    convNormActivation(b, `features.${i}`, channels, 1280, 1, { activation: "relu6" });
  });
  b.add("adaptive_avg_pool2d", { type: "adaptive_avgpool2d", output: 1 });
  flatten(b);
  b.container("classifier", "Sequential", () => {
    b.add("classifier.0", { type: "dropout", p: 0.2 });
    linear(b, "classifier.1", 1280, numClasses);
  });
  return b.graph();
}
