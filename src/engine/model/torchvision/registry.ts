import * as path from "path";
import type { ModuleGraph } from "../architecture";
import type { TorchvisionArch } from "../../../shared/choices";
import type { Preprocessing } from "../../image/preprocess";
import { readWeightsShapes } from "../../formats/weightsFile";
import type { WeightsSource } from "../models";
import { WeightsMismatchError } from "../weights";
import { resnet101, resnet18, resnet34, resnet50 } from "./resnet";
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn } from "./vgg";
import { alexnet } from "./alexnet";
import { squeezenet1_0, squeezenet1_1 } from "./squeezenet";
import { mobilenet_v2 } from "./mobilenetV2";
import { mobilenet_v3_large, mobilenet_v3_small } from "./mobilenetV3";
import { densenet121 } from "./densenet";
import { efficientnet_b0 } from "./efficientnet";

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
  vgg11: { build: vgg11, classifier: "classifier.6.weight" },
  vgg13: { build: vgg13, classifier: "classifier.6.weight" },
  vgg16: { build: vgg16, classifier: "classifier.6.weight" },
  vgg19: { build: vgg19, classifier: "classifier.6.weight" },
  vgg11_bn: { build: vgg11_bn, classifier: "classifier.6.weight" },
  vgg13_bn: { build: vgg13_bn, classifier: "classifier.6.weight" },
  vgg16_bn: { build: vgg16_bn, classifier: "classifier.6.weight" },
  vgg19_bn: { build: vgg19_bn, classifier: "classifier.6.weight" },
  alexnet: { build: alexnet, classifier: "classifier.6.weight" },
  squeezenet1_0: { build: squeezenet1_0, classifier: "classifier.1.weight" },
  squeezenet1_1: { build: squeezenet1_1, classifier: "classifier.1.weight" },
  mobilenet_v2: { build: mobilenet_v2, classifier: "classifier.1.weight" },
  mobilenet_v3_small: { build: mobilenet_v3_small, classifier: "classifier.3.weight" },
  mobilenet_v3_large: { build: mobilenet_v3_large, classifier: "classifier.3.weight" },
  densenet121: { build: densenet121, classifier: "classifier.weight" },
  efficientnet_b0: { build: efficientnet_b0, classifier: "classifier.1.weight" },
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

/**
 * The model as torchvision's constructor builds it: num_classes is the classifier's rows in the
 * weights file (only its header is read), or 1000 with a seed.
 */
export async function torchvisionGraph(name: TorchvisionArch, source: WeightsSource): Promise<ModuleGraph & { readonly classes: number }> {
  const model = TORCHVISION_MODELS[name];
  let classes = IMAGENET_CLASSES;
  if ("file" in source) {
    const shape = (await readWeightsShapes(source.file, source.key)).get(model.classifier)?.shape;
    if (!shape || shape.length < 2 || !(shape[0] > 0)) {
      const found = shape ? `is [${shape.join(", ")}]` : "is missing";
      throw new WeightsMismatchError(`${path.basename(source.file)}: ${model.classifier}, the classifier weight of a torchvision ${name} state_dict, ${found}`, [model.classifier]);
    }
    classes = shape[0];
  }
  return { ...model.build(classes), classes };
}
