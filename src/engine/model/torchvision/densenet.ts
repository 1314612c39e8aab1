import { batchNorm, conv, flatten, GraphBuilder, linear } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.densenet121: dense blocks whose every layer reads the concatenation of the
// block's input and all earlier layers' outputs (BatchNorm, ReLU, 1x1 conv to 4 x growth,
// BatchNorm, ReLU, 3x3 conv to growth), and transitions (BatchNorm, ReLU, 1x1 conv halving the
// channels, 2x2 average pool) between blocks.

const GROWTH = 32;
const BOTTLENECK = 4 * GROWTH;
const BLOCKS = [6, 12, 24, 16] as const;

function denseBlock(b: GraphBuilder, id: string, inC: number, layers: number): number {
  b.container(id, "_DenseBlock", () => {
    const features = [b.last];
    for (let i = 1; i <= layers; i++) {
      const layer = `${id}.denselayer${i}`;
      const channels = inC + (i - 1) * GROWTH;
      features.push(
        b.container(layer, "_DenseLayer", () => {
          b.add(`${layer}.cat`, { type: "concat" }, [...features]);
          batchNorm(b, `${layer}.norm1`, channels);
          b.add(`${layer}.relu1`, { type: "relu" });
          conv(b, `${layer}.conv1`, channels, BOTTLENECK, 1, { bias: false });
          batchNorm(b, `${layer}.norm2`, BOTTLENECK);
          b.add(`${layer}.relu2`, { type: "relu" });
          conv(b, `${layer}.conv2`, BOTTLENECK, GROWTH, 3, { padding: 1, bias: false });
        }),
      );
    }
    b.add(`${id}.cat`, { type: "concat" }, features);
  });
  return inC + layers * GROWTH;
}

export function densenet121(numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  let channels = 64;
  b.container("features", "Sequential", () => {
    conv(b, "features.conv0", 3, channels, 7, { stride: 2, padding: 3, bias: false });
    batchNorm(b, "features.norm0", channels);
    b.add("features.relu0", { type: "relu" });
    b.add("features.pool0", { type: "maxpool2d", kernel: 3, stride: 2, padding: 1 });
    BLOCKS.forEach((layers, i) => {
      channels = denseBlock(b, `features.denseblock${i + 1}`, channels, layers);
      if (i === BLOCKS.length - 1) return;
      const id = `features.transition${i + 1}`;
      b.container(id, "_Transition", () => {
        batchNorm(b, `${id}.norm`, channels);
        b.add(`${id}.relu`, { type: "relu" });
        conv(b, `${id}.conv`, channels, channels / 2, 1, { bias: false });
        b.add(`${id}.pool`, { type: "avgpool2d", kernel: 2, stride: 2 });
      });
      channels /= 2;
    });
    batchNorm(b, "features.norm5", channels);
  });
  b.add("relu", { type: "relu" });
  b.add("adaptive_avg_pool2d", { type: "adaptive_avgpool2d", output: 1 });
  flatten(b);
  linear(b, "classifier", channels, numClasses);
  return b.graph();
}
