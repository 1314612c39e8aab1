import { batchNorm, conv, flatten, GraphBuilder, linear } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.vgg: 3x3 convs (each with ReLU, and BatchNorm before it in the _bn variants)
// and 2x2 max pools ("M") in one `features` Sequential, AdaptiveAvgPool2d(7), then a classifier
// of three Linear layers with ReLU and Dropout between them.

type Layer = number | "M";

const CONFIGS: Readonly<Record<11 | 13 | 16 | 19, readonly Layer[]>> = {
  11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
};

/** The classifier torchvision's VGG and AlexNet share: Linear, ReLU, Dropout twice (AlexNet drops out first), Linear. */
export function classifier(b: GraphBuilder, inC: number, numClasses: number, dropoutFirst: boolean): void {
  b.container("classifier", "Sequential", () => {
    let i = 0;
    const next = (): string => `classifier.${i++}`;
    let width = inC;
    for (let k = 0; k < 2; k++) {
      if (dropoutFirst) b.add(next(), { type: "dropout", p: 0.5 });
      linear(b, next(), width, 4096);
      b.add(next(), { type: "relu" });
      if (!dropoutFirst) b.add(next(), { type: "dropout", p: 0.5 });
      width = 4096;
    }
    linear(b, next(), width, numClasses);
  });
}

function vgg(depth: 11 | 13 | 16 | 19, batchNormed: boolean, numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  b.container("features", "Sequential", () => {
    let i = 0;
    let channels = 3;
    for (const layer of CONFIGS[depth]) {
      if (layer === "M") {
        b.add(`features.${i++}`, { type: "maxpool2d", kernel: 2, stride: 2 });
        continue;
      }
      conv(b, `features.${i++}`, channels, layer, 3, { padding: 1 });
      if (batchNormed) batchNorm(b, `features.${i++}`, layer);
      b.add(`features.${i++}`, { type: "relu" });
      channels = layer;
    }
  });
  b.add("avgpool", { type: "adaptive_avgpool2d", output: 7 });
  flatten(b);
  classifier(b, 512 * 7 * 7, numClasses, false);
  return b.graph();
}

export const vgg11 = (n: number): ModuleGraph => vgg(11, false, n);
export const vgg13 = (n: number): ModuleGraph => vgg(13, false, n);
export const vgg16 = (n: number): ModuleGraph => vgg(16, false, n);
export const vgg19 = (n: number): ModuleGraph => vgg(19, false, n);
export const vgg11_bn = (n: number): ModuleGraph => vgg(11, true, n);
export const vgg13_bn = (n: number): ModuleGraph => vgg(13, true, n);
export const vgg16_bn = (n: number): ModuleGraph => vgg(16, true, n);
export const vgg19_bn = (n: number): ModuleGraph => vgg(19, true, n);
