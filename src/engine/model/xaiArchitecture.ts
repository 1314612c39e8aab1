import type { Architecture, ModuleSpec } from "./architecture";

// The reference notebook's `XAI(num_classes=2)`: a CIFAR-style VGG whose first conv has no padding.
// `vgg` lists each block's convs as [in, out] and what follows each conv's ReLU.
type After = "dropout3" | "dropout4" | "pool";

const BLOCKS: ReadonlyArray<readonly [number, number, After]> = [
  [3, 64, "dropout3"],
  [64, 64, "pool"],
  [64, 128, "dropout4"],
  [128, 128, "pool"],
  [128, 256, "dropout4"],
  [256, 256, "dropout4"],
  [256, 256, "pool"],
  [256, 512, "dropout4"],
  [512, 512, "dropout4"],
  [512, 512, "pool"],
  [512, 512, "dropout4"],
  [512, 512, "dropout4"],
  [512, 512, "pool"],
];

function features(): ModuleSpec[] {
  return BLOCKS.flatMap(([inC, outC, after], i): ModuleSpec[] => [
    { type: "conv2d", in: inC, out: outC, kernel: 3, padding: i === 0 ? 0 : 1, bias: false },
    { type: "batchnorm2d", features: outC },
    { type: "relu" },
    after === "pool" ? { type: "maxpool2d", kernel: 2, stride: 2 } : { type: "dropout", p: after === "dropout3" ? 0.3 : 0.4 },
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
