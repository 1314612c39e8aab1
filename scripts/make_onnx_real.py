"""Writes test/reference/onnx-real/: small ONNX files as PyTorch exports U-Nets, and their outputs.

The models follow U^2-Net/ISNet's pattern: decoder maps are upsampled to the size of the skip
map they join (F.interpolate(x, size=skip.shape[2:])), which the export computes with Shape,
Gather, Concat and Resize at run time. `unet.onnx` takes [N, 3, H, W] with free H and W;
`unet-nhwc.onnx` is the same network taking [N, H, W, 3], permuted to NCHW first and back at the
end, as tf2onnx writes Keras models. The engine's shapes without a run and its values are
checked against these.

Run with Debian's interpreter and python3-torch (see test/reference/README.md):
    /usr/bin/python3 scripts/make_onnx_real.py
"""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "reference", "onnx-real")
SIZE = (37, 53)


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def upsample_like(src, tar):
    return F.interpolate(src, size=tar.shape[2:], mode="bilinear", align_corners=False)


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = block(3, 8)
        self.enc2 = block(8, 12)
        self.enc3 = block(12, 16)
        self.dec2 = block(16 + 12, 12)
        self.dec1 = block(12 + 8, 8)
        self.side = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2, stride=2, ceil_mode=True))
        e3 = self.enc3(F.max_pool2d(e2, 2, stride=2, ceil_mode=True))
        d2 = self.dec2(torch.cat((upsample_like(e3, e2), e2), 1))
        d1 = self.dec1(torch.cat((upsample_like(d2, e1), e1), 1))
        return torch.sigmoid(self.side(d1))


class Nhwc(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    net = TinyUNet().eval()
    # Trained-looking BatchNorm statistics, so the export's folded convs are not identities.
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    os.makedirs(OUT, exist_ok=True)
    x = torch.from_numpy(np.random.default_rng(0).random((1, 3, *SIZE), dtype=np.float32))
    with torch.no_grad():
        y = net(x)
        torch.onnx.export(net, x, os.path.join(OUT, "unet.onnx"), input_names=["x"], output_names=["y"], opset_version=13,
                          dynamic_axes={"x": {2: "height", 3: "width"}, "y": {2: "height", 3: "width"}})
        xh = x.permute(0, 2, 3, 1).contiguous()
        torch.onnx.export(Nhwc(net), xh, os.path.join(OUT, "unet-nhwc.onnx"), input_names=["x"], output_names=["y"], opset_version=13,
                          dynamic_axes={"x": {1: "height", 2: "width"}, "y": {1: "height", 2: "width"}})
    np.save(os.path.join(OUT, "input.npy"), x.numpy())
    # NCHW, as the engine shows every map.
    np.save(os.path.join(OUT, "output.npy"), y.numpy())


if __name__ == "__main__":
    main()
