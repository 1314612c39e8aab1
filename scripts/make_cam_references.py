#!/usr/bin/python3
"""Writes test/reference/cam/NAME.json: class activation maps computed by PyTorch autograd on the
same weights and input as the engine, for the explain tests.

    node out/src/cli/main.js weights --seed 0 --out /tmp/seed0.safetensors
    /usr/bin/python3 scripts/make_cam_references.py --weights /tmp/seed0.safetensors \\
        --input test/reference/xai-seed0-chelsea/input.npy --layers features.51 features.38 --out xai-seed0

Formulas as pytorch-grad-cam's GradCAM, HiResCAM, GradCAMPlusPlus and get_2d_projection
(EigenCAM), written out here so the reference needs no package beyond Debian's torch. The maps are
raw: before pytorch-grad-cam's min-max scaling and resizing.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import read_safetensors  # noqa: E402
from seed_model import XAI  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def build(name, weights):
    if name == "xai":
        model = XAI()
    else:
        import torchvision
        classes = next(t.shape[0] for k, t in reversed(list(weights.items())) if k.endswith("weight") and t.dim() == 2)
        model = getattr(torchvision.models, name)(num_classes=classes)
    model.load_state_dict(weights, strict=False)
    for m in model.modules():
        if hasattr(m, "inplace"):
            m.inplace = False
    return model.eval()


def gradcam(a, g):
    return np.maximum((g.mean(axis=(1, 2))[:, None, None] * a).sum(0), 0)


def hirescam(a, g):
    return np.maximum((g * a).sum(0), 0)


def gradcampp(a, g):
    g2 = g ** 2
    g3 = g2 * g
    sum_a = a.sum(axis=(1, 2))
    alpha = g2 / (2 * g2 + sum_a[:, None, None] * g3 + 1e-6)
    alpha = np.where(g != 0, alpha, 0)
    w = (np.maximum(g, 0) * alpha).sum(axis=(1, 2))
    return np.maximum((w[:, None, None] * a).sum(0), 0)


def eigencam(a):
    c, h, w = a.shape
    m = a.reshape(c, h * w).T
    m = m - m.mean(axis=0)
    _, _, vt = np.linalg.svd(m, full_matrices=True)
    p = m @ vt[0, :]
    # A projection of centred data sums to zero: the sign makes it agree with the mean activation.
    return (-p if p @ m.sum(axis=1) < 0 else p).reshape(h, w)


def rounded(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="xai")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--input", required=True, help=".npy [1, 3, H, W]; uint8 is divided by 255 (ToTensor)")
    parser.add_argument("--layers", nargs="+", required=True)
    parser.add_argument("--classes", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", required=True, help="name of the JSON under test/reference/cam/")
    args = parser.parse_args()
    torch.set_num_threads(1)
    weights, _ = read_safetensors(args.weights)
    model = build(args.model, weights)
    modules = dict(model.named_modules())
    raw = np.load(args.input)
    x = torch.from_numpy(raw.astype(np.float32) / 255 if raw.dtype == np.uint8 else raw.astype(np.float32))
    cases, eigen = [], {}
    for layer in args.layers:
        kept = {}
        handle = modules[layer].register_forward_hook(lambda _m, _i, o: kept.__setitem__("a", o))
        for cls in args.classes:
            for reduce in ["sum", "mean"]:
                out = model(x)
                rows = out.reshape(out.shape[0], out.shape[1], -1)[:, cls]
                score = rows.sum() if reduce == "sum" else rows.mean()
                (grad,) = torch.autograd.grad(score, kept["a"])
                a = kept["a"][0].detach().double().numpy()
                g = grad[0].double().numpy()
                cases.append({
                    "layer": layer, "class": cls, "reduce": reduce, "score": float(score),
                    "shape": list(a.shape),
                    "gradient": {"min": float(g.min()), "max": float(g.max()), "absMean": float(np.abs(g).mean()),
                                 "first": rounded(g.reshape(-1)[:32])},
                    "gradcam": rounded(gradcam(a, g)), "hirescam": rounded(hirescam(a, g)), "gradcam++": rounded(gradcampp(a, g)),
                })
        eigen[layer] = rounded(eigencam(kept["a"][0].detach().double().numpy()))
        handle.remove()
    with torch.no_grad():
        out = model(x)
    body = {"model": args.model, "input": os.path.relpath(args.input, ROOT), "outputShape": list(out.shape),
            "cases": cases, "eigencam": eigen}
    path = os.path.join(ROOT, "test", "reference", "cam", args.out + ".json")
    with open(path, "w") as f:
        json.dump(body, f, indent=1)
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
