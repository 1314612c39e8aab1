#!/usr/bin/python3
"""Compare Feature Maps reference: two small activation tensors A and B, and what numpy (and
torch, for the resize) says about them: per-channel cosine similarity and Pearson correlation of
the flattened maps, the order of channels from least to most similar, the shared ranges and
A - B; and B at another map size resized to A's by torch's interpolate.

Run with Debian's python3 (numpy, torch): /usr/bin/python3 scripts/make_compare_reference.py
Writes test/reference/compare/fixture.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "reference", "compare", "fixture.json")
C, H, W = 8, 5, 4

rng = np.random.default_rng(20261129)
a = rng.standard_normal((C, H, W)).astype(np.float32)
b = (a + rng.standard_normal((C, H, W)) * np.linspace(0.05, 2.0, C)[:, None, None]).astype(np.float32)
# The conventions' edge cases, one channel each.
a[0] = 0; b[0] = 0                       # both all zero: cosine 1, correlation undefined
b[1] = 0                                 # one all zero: cosine 0, correlation undefined
a[2] = 1.5                               # A constant: correlation undefined
b[3] = (-a[3]).astype(np.float32)        # opposite: cosine -1, correlation -1
b[4] = (a[4] * 2).astype(np.float32)     # scaled: cosine 1, correlation 1


def cosine(x, y):
    x = x.astype(np.float64).ravel()
    y = y.astype(np.float64).ravel()
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 and ny == 0:
        return 1.0
    if nx == 0 or ny == 0:
        return 0.0
    return float(np.clip(np.dot(x, y) / (nx * ny), -1, 1))


def correlation(x, y):
    x = x.astype(np.float64).ravel()
    y = y.astype(np.float64).ravel()
    if x.min() == x.max() or y.min() == y.max():
        return None  # numpy's corrcoef gives nan (with a warning) for a constant map
    return float(np.corrcoef(x, y)[0, 1])


def describe(x, y):
    cos = [cosine(x[c], y[c]) for c in range(x.shape[0])]
    corr = [correlation(x[c], y[c]) for c in range(x.shape[0])]
    # Least similar first; ties by channel index (a stable sort of the indices).
    order = sorted(range(x.shape[0]), key=lambda c: (cos[c], c))
    diff = (x - y).astype(np.float32)
    return {
        "cosine": cos,
        "correlation": corr,
        "order": order,
        "diff": diff.ravel().tolist(),
        "channelRanges": [[float(min(x[c].min(), y[c].min())), float(max(x[c].max(), y[c].max()))] for c in range(x.shape[0])],
        "channelLimits": [float(np.abs(diff[c]).max()) for c in range(x.shape[0])],
        "layerRange": [float(min(x.min(), y.min())), float(max(x.max(), y.max()))],
        "layerLimit": float(np.abs(diff).max()),
    }


small = rng.standard_normal((C, 3, 2)).astype(np.float32)
resized = F.interpolate(torch.from_numpy(small)[None], size=(H, W), mode="bilinear", align_corners=False)[0].numpy()

fixture = {
    "shape": [1, C, H, W],
    "a": a.ravel().tolist(),
    "b": b.ravel().tolist(),
    "same": describe(a, b),
    "resize": {
        "shape": [1, C, 3, 2],
        "b": small.ravel().tolist(),
        "resized": resized.ravel().tolist(),
        **describe(a, resized),
    },
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(fixture, f)
print("wrote", OUT)
