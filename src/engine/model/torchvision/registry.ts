import type { ModuleGraph } from "../architecture";
import type { TorchvisionArch } from "../../../shared/choices";
import type { Preprocessing } from "../../image/preprocess";
import { resnet101, resnet18, resnet34, resnet50 } from "./resnet";

export interface TorchvisionModel {
  readonly build: (numClasses: number) => ModuleGraph;
  /** The state_dict key of the last layer's weight, whose first axis is num_classes. */
  readonly classifier: string;
}

export const TORCHVISION_MODELS: Readonly<Record<TorchvisionArch, TorchvisionModel>> = {
  resnet18: { build: resnet18, classifier: "fc.weight" },
  resnet34: { build: resnet34, classifier: "fc.weight" },
  resnet50: { build: resnet50, classifier: "fc.weight" },
  resnet101: { build: resnet101, classifier: "fc.weight" },
};

/** torchvision's ImageNet recipe: RGB, 224x224, ToTensor, then the ImageNet mean and std. */
export const TORCHVISION_PREPROCESSING: Preprocessing = {
  height: 224,
  width: 224,
  channelOrder: "rgb",
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

export const IMAGENET_CLASSES = 1000;
