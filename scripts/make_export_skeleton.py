#!/usr/bin/python3
"""Writes test/reference/cam/resnet18-export.onnx and resnet18-export.json: PyTorch's own ONNX export
of torchvision's resnet18 with its weights left out (the file would be 45 MB), and for each weight
the state_dict entries it is made from. torch.onnx.export folds each BatchNorm into the conv before
it, so a conv's weight is W * gamma / sqrt(var + eps) and its bias beta - mean * gamma / sqrt(var + eps);
the test refills the graph from a state_dict that way and explains the result.

    /usr/bin/python3 scripts/make_export_skeleton.py
"""
import json
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference", "cam")


def module_of(node_name):
    """/layer2/layer2.0/downsample/downsample.0/Conv -> layer2.0.downsample.0: a scope segment is a
    child's name, from its parent's last name on when the parent is a Sequential."""
    qualified = ""
    for segment in node_name.strip("/").split("/")[:-1]:
        last = qualified.rsplit(".", 1)[-1] if qualified else ""
        if last and segment.startswith(last + "."):
            qualified = qualified[: len(qualified) - len(last)] + segment
        else:
            qualified = f"{qualified}.{segment}" if qualified else segment
    return qualified


def main():
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    path = os.path.join(OUT, "resnet18-export.onnx")
    torch.onnx.export(model, torch.rand(1, 3, 64, 64), path, input_names=["input"], output_names=["logits"],
                      opset_version=14, dynamic_axes={"input": {2: "height", 3: "width"}})
    onnx_model = onnx.load(path)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    sources = {}
    for node in onnx_model.graph.node:
        if node.op_type == "Conv":
            # /layer1/layer1.0/conv1/Conv -> layer1.0.conv1; its BatchNorm is bn1 (downsample.0 -> .1).
            conv = module_of(node.name)
            bn = conv.replace("conv", "bn") if "conv" in conv.split(".")[-1] else conv[:-1] + "1"
            sources[node.input[1]] = {"conv": conv, "bn": bn, "part": "weight"}
            if len(node.input) > 2:
                sources[node.input[2]] = {"conv": conv, "bn": bn, "part": "bias"}
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    for name, src in sources.items():
        g, b, mu, var = (state[f"{src['bn']}.{k}"] for k in ("weight", "bias", "running_mean", "running_var"))
        scale = g / np.sqrt(var + 1e-5)
        expected = state[f"{src['conv']}.weight"] * scale[:, None, None, None] if src["part"] == "weight" else b - mu * scale
        assert np.allclose(weights[name], expected, rtol=1e-5, atol=1e-6), f"{name} is not {src}"
    for name in weights:
        if name not in sources:
            assert name in state, f"{name}: neither a folded conv nor a state_dict entry"
            sources[name] = {"key": name}
    for t in onnx_model.graph.initializer:
        t.ClearField("raw_data")
        t.ClearField("float_data")
    onnx.save(onnx_model, path)
    with open(os.path.join(OUT, "resnet18-export.json"), "w") as f:
        json.dump({"eps": 1e-5, "sources": sources}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
