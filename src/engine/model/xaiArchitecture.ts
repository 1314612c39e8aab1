import type { Architecture, ModuleSpec } from "./architecture";

// The reference notebook's `XAI(num_classes=2)`: a CIFAR-style VGG whose first conv has no padding.
// Each stage is [width, convs]; every conv is followed by BatchNorm and ReLU, then by dropout (0.3
// after the very first, 0.4 after the others) or, at the end of a stage, by a 2x2 max pool.
const STAGES: ReadonlyArray<readonly [width: number, convs: number]> = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

function features(): ModuleSpec[] {
  const convs = STAGES.flatMap(([width, count]) => Array.from({ length: count }, (_, i) => ({ width, last: i === count - 1 })));
  return convs.flatMap(({ width, last }, i): ModuleSpec[] => [
    { type: "conv2d", in: i === 0 ? 3 : convs[i - 1].width, out: width, kernel: 3, padding: i === 0 ? 0 : 1, bias: false },
    { type: "batchnorm2d", features: width },
    { type: "relu" },
    last ? { type: "maxpool2d", kernel: 2, stride: 2 } : { type: "dropout", p: i === 0 ? 0.3 : 0.4 },
  ]);
}

export function xaiArchitecture(numClasses = 2): Architecture {
  return {
    inputChannels: 3,
    steps: [
      { group: "features", modules: features() },
      { call: { type: "view", shape: [-1, 512] }, id: "view" },
      {
        group: "classifier",
        modules: [
          { type: "linear", in: 512, out: 512, bias: false },
          { type: "dropout", p: 0.5 },
          { type: "batchnorm1d", features: 512 },
          { type: "relu" },
          { type: "dropout", p: 0.5 },
          { type: "linear", in: 512, out: numClasses },
        ],
      },
      { call: { type: "log_softmax", dim: 1 }, id: "output" },
    ],
  };
}

export const XAI_INPUT_SIZE = { height: 100, width: 100 } as const;
