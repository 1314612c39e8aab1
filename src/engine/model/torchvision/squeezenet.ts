import { conv, flatten, GraphBuilder } from "./builder";
import type { ModuleGraph } from "../architecture";

// torchvision.models.squeezenet: Fire modules (a 1x1 squeeze, then 1x1 and 3x3 expands whose
// outputs are concatenated) between ceil_mode max pools; the classifier is a 1x1 conv to the
// classes, ReLU and a global average pool.

type Fire = readonly [squeeze: number, expand: number];
type Layer = Fire | "M";

const VERSIONS: Readonly<Record<"1_0" | "1_1", { readonly stem: readonly [out: number, kernel: number]; readonly layers: readonly Layer[] }>> = {
  "1_0": { stem: [96, 7], layers: ["M", [16, 64], [16, 64], [32, 128], "M", [32, 128], [48, 192], [48, 192], [64, 256], "M", [64, 256]] },
  "1_1": { stem: [64, 3], layers: ["M", [16, 64], [16, 64], "M", [32, 128], [32, 128], "M", [48, 192], [48, 192], [64, 256], [64, 256]] },
};

function fire(b: GraphBuilder, id: string, inC: number, [squeeze, expand]: Fire): number {
  b.container(id, "Fire", () => {
    conv(b, `${id}.squeeze`, inC, squeeze, 1);
    const squeezed = b.add(`${id}.squeeze_activation`, { type: "relu" });
    conv(b, `${id}.expand1x1`, squeeze, expand, 1);
    const left = b.add(`${id}.expand1x1_activation`, { type: "relu" });
    b.last = squeezed;
    conv(b, `${id}.expand3x3`, squeeze, expand, 3, { padding: 1 });
    const right = b.add(`${id}.expand3x3_activation`, { type: "relu" });
    b.add(`${id}.cat`, { type: "concat" }, [left, right]);
  });
  return 2 * expand;
}

function squeezenet(version: "1_0" | "1_1", numClasses: number): ModuleGraph {
  const { stem, layers } = VERSIONS[version];
  const b = new GraphBuilder();
  let channels = stem[0];
  b.container("features", "Sequential", () => {
    conv(b, "features.0", 3, stem[0], stem[1], { stride: 2 });
    b.add("features.1", { type: "relu" });
    layers.forEach((layer, i) => {
      const id = `features.${i + 2}`;
      if (layer === "M") b.add(id, { type: "maxpool2d", kernel: 3, stride: 2, ceil: true });
      else channels = fire(b, id, channels, layer);
    });
  });
  b.container("classifier", "Sequential", () => {
    b.add("classifier.0", { type: "dropout", p: 0.5 });
    conv(b, "classifier.1", channels, numClasses, 1);
    b.add("classifier.2", { type: "relu" });
    b.add("classifier.3", { type: "adaptive_avgpool2d", output: 1 });
  });
  flatten(b);
  return b.graph();
}

export const squeezenet1_0 = (n: number): ModuleGraph => squeezenet("1_0", n);
export const squeezenet1_1 = (n: number): ModuleGraph => squeezenet("1_1", n);
