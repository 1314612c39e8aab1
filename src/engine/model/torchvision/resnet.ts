import { batchNorm, conv, flatten, GraphBuilder, linear } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.resnet: BasicBlock (two 3x3 convs) or Bottleneck (1x1, 3x3, 1x1, four times
// wider out), a 1x1 conv + BatchNorm `downsample` on the skip path where the shape changes, the
// sum, then the block's `relu` once more.

type Block = "basic" | "bottleneck";

function block(b: GraphBuilder, id: string, kind: Block, inC: number, planes: number, stride: number): number {
  const out = kind === "basic" ? planes : planes * 4;
  b.container(id, kind === "basic" ? "BasicBlock" : "Bottleneck", () => {
    const input = b.last;
    if (kind === "basic") {
      conv(b, `${id}.conv1`, inC, planes, 3, { stride, padding: 1, bias: false });
      batchNorm(b, `${id}.bn1`, planes);
      b.add(`${id}.relu`, { type: "relu" });
      conv(b, `${id}.conv2`, planes, planes, 3, { padding: 1, bias: false });
      batchNorm(b, `${id}.bn2`, planes);
    } else {
      conv(b, `${id}.conv1`, inC, planes, 1, { bias: false });
      batchNorm(b, `${id}.bn1`, planes);
      b.add(`${id}.relu`, { type: "relu" });
      conv(b, `${id}.conv2`, planes, planes, 3, { stride, padding: 1, bias: false });
      batchNorm(b, `${id}.bn2`, planes);
      b.add(`${id}.relu`, { type: "relu" });
      conv(b, `${id}.conv3`, planes, out, 1, { bias: false });
      batchNorm(b, `${id}.bn3`, out);
    }
    const main = b.last;
    let skip = input;
    if (stride !== 1 || inC !== out) {
      b.last = input;
      skip = b.container(`${id}.downsample`, "Sequential", () => {
        conv(b, `${id}.downsample.0`, inC, out, 1, { stride, bias: false });
        batchNorm(b, `${id}.downsample.1`, out);
      });
    }
    b.add(`${id}.add`, { type: "add" }, [main, skip]);
    b.add(`${id}.relu`, { type: "relu" });
  });
  return out;
}

function resnet(kind: Block, depths: readonly number[], numClasses: number): ModuleGraph {
  const b = new GraphBuilder();
  conv(b, "conv1", 3, 64, 7, { stride: 2, padding: 3, bias: false });
  batchNorm(b, "bn1", 64);
  b.add("relu", { type: "relu" });
  b.add("maxpool", { type: "maxpool2d", kernel: 3, stride: 2, padding: 1 });
  let channels = 64;
  depths.forEach((depth, stage) => {
    const planes = 64 * 2 ** stage;
    b.sequential(`layer${stage + 1}`, depth, (id, i) => {
      channels = block(b, id, kind, channels, planes, i === 0 && stage > 0 ? 2 : 1);
    });
  });
  b.add("avgpool", { type: "adaptive_avgpool2d", output: 1 });
  flatten(b);
  linear(b, "fc", channels, numClasses);
  return b.graph();
}

export const resnet18 = (numClasses: number): ModuleGraph => resnet("basic", [2, 2, 2, 2], numClasses);
export const resnet34 = (numClasses: number): ModuleGraph => resnet("basic", [3, 4, 6, 3], numClasses);
export const resnet50 = (numClasses: number): ModuleGraph => resnet("bottleneck", [3, 4, 6, 3], numClasses);
export const resnet101 = (numClasses: number): ModuleGraph => resnet("bottleneck", [3, 4, 23, 3], numClasses);
