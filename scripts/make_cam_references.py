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
    if name == "tiny":
        from make_cam_tiny import model
        return model()
    if name == "xai":
        model = XAI()
    else:
        import torchvision
        classes = next(t.shape[0] for k, t in reversed(list(weights.items())) if k.endswith("weight") and t.dim() == 2)
        model = getattr(torchvision.models, name)(num_classes=classes)
    result = model.load_state_dict(weights, strict=False)
    # Our state_dicts leave out num_batches_tracked, which eval() never reads; nothing else may be missing.
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        sys.exit(f"weights do not fit {name}: missing {missing[:5]}, unexpected {result.unexpected_keys[:5]}")
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


def per_image_scores(model, batch, cls, reduce):
    """One score per image of the batch: the class's elements of its rows, summed or averaged."""
    with torch.no_grad():
        out = model(batch)
    rows = out.reshape(batch.shape[0], -1, out.shape[1], *out.shape[2:])[:, :, cls].reshape(batch.shape[0], -1)
    return rows.sum(1) if reduce == "sum" else rows.mean(1)


def scorecam(model, x, a, cls, reduce, top=None):
    """pytorch-grad-cam's ScoreCAM; a constant channel's mask is 0 instead of 0/0."""
    c = a.shape[1]
    means = a[0].mean(dim=(1, 2))
    kept = torch.argsort(means, descending=True, stable=True)[:top] if top else torch.arange(c)
    up = torch.nn.functional.interpolate(a[:, kept], size=x.shape[-2:], mode="bilinear", align_corners=True)[0]
    flat = up.reshape(len(kept), -1)
    mins, maxs = flat.min(1).values[:, None, None], flat.max(1).values[:, None, None]
    rng = maxs - mins
    masks = torch.where(rng > 0, (up - mins) / torch.where(rng > 0, rng, torch.ones_like(rng)), torch.zeros_like(up))
    inputs = x[0][None] * masks[:, None]
    scores = torch.cat([per_image_scores(model, inputs[i:i + 16], cls, reduce) for i in range(0, len(kept), 16)])
    w = torch.softmax(scores.double(), 0)
    cam = (w[:, None, None] * a[0, kept].double()).sum(0)
    return np.maximum(cam.numpy(), 0)


def occlusion(model, x, cls, reduce, window, stride, baseline):
    """Captum's Occlusion: score drops of a sliding window, averaged where windows overlap."""
    _, _, h, w = x.shape
    base = per_image_scores(model, x, cls, reduce)[0].double()
    total, count = torch.zeros(h, w, dtype=torch.float64), torch.zeros(h, w, dtype=torch.float64)
    spots = [(t, l) for t in range(0, h - window + 1, stride) for l in range(0, w - window + 1, stride)]
    for i in range(0, len(spots), 16):
        chunk = spots[i:i + 16]
        batch = x.repeat(len(chunk), 1, 1, 1)
        for j, (t, l) in enumerate(chunk):
            batch[j, :, t:t + window, l:l + window] = baseline
        drops = base - per_image_scores(model, batch, cls, reduce).double()
        for j, (t, l) in enumerate(chunk):
            total[t:t + window, l:l + window] += drops[j]
            count[t:t + window, l:l + window] += 1
    return torch.where(count > 0, total / torch.where(count > 0, count, torch.ones_like(count)), torch.zeros_like(total)).numpy()


def rounded(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="xai")
    parser.add_argument("--weights", help="safetensors state_dict (not for --model tiny)")
    parser.add_argument("--input", required=True, help=".npy [1, 3, H, W]; uint8 is divided by 255 (ToTensor)")
    parser.add_argument("--layers", nargs="+", required=True)
    parser.add_argument("--classes", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--scorecam", nargs="*", default=[], metavar="LAYER[:TOP]", help="Score-CAM cases, optionally top-k channels")
    parser.add_argument("--occlusion", nargs=3, type=int, metavar=("WINDOW", "STRIDE", "BASELINE"))
    parser.add_argument("--out", required=True, help="name of the JSON under test/reference/cam/")
    args = parser.parse_args()
    torch.set_num_threads(1)
    weights = read_safetensors(args.weights)[0] if args.weights else None
    model = build(args.model, weights)
    modules = dict(model.named_modules())
    raw = np.load(args.input)
    x = torch.from_numpy(raw.astype(np.float32) / 255 if raw.dtype == np.uint8 else raw.astype(np.float32))
    cases, eigen = [], {}
    for spec in args.layers:
        # MODULE=TENSOR: hook the module, name the case by the ONNX tensor the engine reads.
        module, _, tensor = spec.partition("=")
        layer = tensor or module
        kept = {}
        handle = modules[module].register_forward_hook(lambda _m, _i, o: kept.__setitem__("a", o))
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
    score_cams = []
    for spec in args.scorecam:
        named, _, top = spec.partition(":")
        module, _, tensor = named.partition("=")
        layer = tensor or module
        kept = {}
        handle = modules[module].register_forward_hook(lambda _m, _i, o: kept.__setitem__("a", o.detach()))
        with torch.no_grad():
            model(x)
        handle.remove()
        for reduce in ["sum", "mean"]:
            m = scorecam(model, x, kept["a"], 1, reduce, int(top) if top else None)
            name = f"{args.out}-scorecam-{module}-{reduce}.npy"
            np.save(os.path.join(ROOT, "test", "reference", "cam", name), m.astype(np.float32))
            score_cams.append({"layer": layer, "class": 1, "reduce": reduce, "topChannels": int(top) if top else None, "map": name})
    occlusions = []
    if args.occlusion:
        window, stride, baseline = args.occlusion
        for cls in args.classes:
            name = f"{args.out}-occlusion-{cls}.npy"
            np.save(os.path.join(ROOT, "test", "reference", "cam", name), occlusion(model, x, cls, "sum", window, stride, baseline).astype(np.float32))
            occlusions.append({"class": cls, "reduce": "sum", "window": window, "stride": stride, "baseline": baseline, "map": name})
    with torch.no_grad():
        out = model(x)
    body = {"model": args.model, "input": os.path.relpath(args.input, ROOT), "outputShape": list(out.shape),
            "cases": cases, "eigencam": eigen, "scorecam": score_cams, "occlusion": occlusions}
    path = os.path.join(ROOT, "test", "reference", "cam", args.out + ".json")
    with open(path, "w") as f:
        json.dump(body, f, indent=1)
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
