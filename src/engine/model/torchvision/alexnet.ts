import { conv, flatten, GraphBuilder } from "./builder";
import { classifier } from "./vgg";
import type { ModuleGraph } from "../architecture";

// torchvision.models.alexnet: five convs with ReLU and three 3x3/2 max pools, AdaptiveAvgPool2d(6),
// then VGG's classifier shape with Dropout before each hidden Linear.

const CONVS: ReadonlyArray<readonly [out: number, kernel: number, stride: number, padding: number, pool: boolean]> = [
  [64, 11, 4, 2, true],
  [192, 5, 1, 2, true],
  [384, 3, 1, 1, false],
  [256, 3, 1, 1, false],
  [256, 3, 1, 1, true],
];

export function alexnet(numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  b.container("features", "Sequential", () => {
    let i = 0;
    let channels = 3;
    for (const [out, kernel, stride, padding, pool] of CONVS) {
      conv(b, `features.${i++}`, channels, out, kernel, { stride, padding });
      b.add(`features.${i++}`, { type: "relu" });
      if (pool) b.add(`features.${i++}`, { type: "maxpool2d", kernel: 3, stride: 2 });
      channels = out;
    }
  });
  b.add("avgpool", { type: "adaptive_avgpool2d", output: 6 });
  flatten(b);
  classifier(b, 256 * 6 * 6, numClasses, true);
  return b.graph();
}
