#!/usr/bin/python3
"""Writes test/reference/cam/tiny.onnx and tiny-input.npy: a small CNN exported by PyTorch whose
head holds every op the backward graph differentiates in PyTorch exports (overlapping max pool,
Clip, HardSwish, LeakyRelu, Concat, squeeze-excitation Mul, grouped strided Conv, AveragePool,
Add, SiLU as Sigmoid*Mul, GlobalAveragePool, Flatten, Gemm, Softmax). The CAM references on it
come from make_cam_references.py --model tiny.

    /usr/bin/python3 scripts/make_cam_tiny.py
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference", "cam")


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU6())
        self.pool = nn.MaxPool2d(3, 2, padding=1)
        self.branch_a = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.Hardswish())
        self.branch_b = nn.Sequential(nn.Conv2d(8, 8, 1), nn.LeakyReLU(0.1))
        self.squeeze = nn.Conv2d(16, 4, 1)
        self.excite = nn.Conv2d(4, 16, 1)
        self.mix = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=2)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        y = torch.cat([self.branch_a(x), self.branch_b(x)], 1)
        s = torch.sigmoid(self.excite(F.relu(self.squeeze(F.adaptive_avg_pool2d(y, 1)))))
        y = y * s
        z = F.silu(self.mix(y) + F.avg_pool2d(y, 2))
        return F.softmax(self.head(torch.flatten(F.adaptive_avg_pool2d(z, 1), 1)), 1)


def model():
    torch.manual_seed(0)
    m = Tiny()
    with torch.no_grad():
        bn = m.stem[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
        # Larger logits, so the class scores move visibly when the input is occluded.
        m.head.weight.mul_(8)
    return m.eval()


def main():
    m = model()
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    np.save(os.path.join(OUT, "tiny-input.npy"), x.numpy())
    torch.onnx.export(m, x, os.path.join(OUT, "tiny.onnx"), input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "probabilities": {0: "batch"}}, opset_version=14)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
