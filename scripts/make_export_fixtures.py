"""Writes test/reference/torch-export/nested/: PyTorch exports of nested modules, with what every
named module's forward hook sees, so the tests can hold layer ids and values to PyTorch.

Run with Debian's interpreter, python3-torch 1.13, python3-torchvision 0.14 and python3-onnx
(see test/reference/README.md):
    /usr/bin/python3 scripts/make_export_fixtures.py

- tiny-resnet.onnx: a small net of torchvision's BasicBlock and Bottleneck (a downsample
  Sequential), nested Sequentials, a leaf module called twice and a Sequential called twice;
  tiny-resnet.json: its named modules with their hook outputs (in tiny-resnet.npy) for one input;
- resnet18-graph.json: the node names and wiring of torchvision's resnet18 export (its 45 MB of
  weights are left out) and resnet18's named modules.
"""
import io
import json
import os
import re

import numpy as np
import onnx
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock, Bottleneck, resnet18

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "reference", "torch-export", "nested")
OPSET = 13
SIZE = 32


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(4, 4), BasicBlock(4, 4))
        down = nn.Sequential(nn.Conv2d(4, 8, 1, stride=2, bias=False), nn.BatchNorm2d(8))
        self.layer2 = nn.Sequential(Bottleneck(4, 2, stride=2, downsample=down))
        self.head = nn.Sequential(nn.Sequential(nn.Conv2d(8, 6, 1), nn.ReLU()), nn.Sequential(nn.Sequential(nn.Conv2d(6, 6, 1))))
        self.shared = nn.Conv2d(6, 6, 3, padding=1)
        self.act = nn.ReLU()
        self.mix = nn.Sequential(nn.Conv2d(6, 6, 1), nn.Tanh())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.head(self.layer2(self.layer1(x)))
        # One leaf module called twice in a row with another, one Sequential called twice.
        x = self.act(self.shared(self.act(self.shared(x))))
        x = self.mix(self.mix(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomize_norms(model):
    """BatchNorm statistics away from their defaults, so folding them into the conv shows."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)


def unqualified(name):
    """The scope segment torch's export gives a module: its name from the last non-numeric atom."""
    atoms = name.split(".")
    for i in range(len(atoms) - 1, -1, -1):
        if not atoms[i].isnumeric():
            return ".".join(atoms[i:])
    return name


def export(model, x):
    f = io.BytesIO()
    torch.onnx.export(model, x, f, opset_version=OPSET, input_names=["input"], output_names=["output"])
    return onnx.load_from_string(f.getvalue()), f.getvalue()


def in_export(name, node_names):
    """Whether any node sits in the module's scope (a folded BatchNorm, for one, has none). Each
    atom of a qualified name is one module level; a later call adds `_N` to the last segment."""
    atoms = name.split(".")
    path = "/".join(unqualified(".".join(atoms[:k])) for k in range(1, len(atoms) + 1))
    scope = re.compile("/" + re.escape(path) + r"(_\d+)?/")
    return any(scope.match(n) for n in node_names)


def record_hooks(model):
    """Every call's output of every named module (copied: in-place ReLU rewrites its input), and
    which Conv2d's output a BatchNorm read: the export folds that BatchNorm into that conv."""
    calls, outputs_of, folded = {}, {}, {}
    for name, module in model.named_modules():
        if name == "":
            continue

        def hook(m, inputs, output, name=name):
            calls.setdefault(name, []).append(output.detach().clone())
            if isinstance(m, nn.BatchNorm2d):
                conv = outputs_of.get(id(inputs[0]))
                if conv is not None:
                    folded[conv] = name
            if isinstance(m, nn.Conv2d):
                outputs_of[id(output)] = name

        module.register_forward_hook(hook)
    return calls, folded


def tiny_resnet():
    torch.manual_seed(0)
    model = TinyResNet()
    randomize_norms(model)
    model.eval()
    x = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    graph, data = export(model, x)
    node_names = [n.name for n in graph.graph.node]
    calls, folded = record_hooks(model)
    with torch.no_grad():
        out = model(x)
    values = [x.reshape(-1).numpy()]
    offset = x.numel()
    modules = []
    for name, module in model.named_modules():
        if name == "":
            continue
        entries = []
        for t in calls.get(name, []):
            entries.append({"shape": list(t.shape), "offset": offset})
            values.append(t.reshape(-1).numpy())
            offset += t.numel()
        modules.append({
            "name": name,
            "class": type(module).__name__,
            "container": len(list(module.children())) > 0,
            "inExport": in_export(name, node_names),
            "calls": entries,
            **({"foldedInto": folded[name]} if name in folded else {}),
        })
    with open(os.path.join(OUT, "tiny-resnet.onnx"), "wb") as f:
        f.write(data)
    np.save(os.path.join(OUT, "tiny-resnet.npy"), np.concatenate(values).astype("<f4"))
    doc = {
        "what": "TinyResNet of scripts/make_export_fixtures.py: named modules and every call's forward hook output",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
        "opset": OPSET,
        "input": {"shape": list(x.shape), "offset": 0},
        "output": {"shape": list(out.shape)},
        "values": "tiny-resnet.npy: float32, each call's output flattened at its offset",
        "modules": modules,
    }
    write_json("tiny-resnet.json", doc)


def resnet18_graph():
    torch.manual_seed(0)
    model = resnet18().eval()
    graph, _ = export(model, torch.zeros(1, 3, 64, 64))
    initializers = {t.name for t in graph.graph.initializer}
    node_names = [n.name for n in graph.graph.node]
    doc = {
        "what": "torchvision resnet18 exported by torch.onnx.export: node names and wiring, weights left out",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
        "opset": OPSET,
        "outputs": [o.name for o in graph.graph.output],
        "nodes": [{"name": n.name, "op": n.op_type, "inputs": [i for i in n.input if i not in initializers], "outputs": list(n.output)} for n in graph.graph.node],
        "modules": [{"name": name, "class": type(m).__name__, "inExport": in_export(name, node_names)} for name, m in model.named_modules() if name != ""],
    }
    write_json("resnet18-graph.json", doc)


def write_json(name, doc):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    tiny_resnet()
    resnet18_graph()
