#!/usr/bin/python3
"""Writes test/reference/torchvision/NAME.json: what torchvision's own NAME computes, module by
module, on our seed-0 weights, so the engine's TypeScript build of NAME can be held to it.

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision 0.14) after compiling the
CLI (`node scripts/test-unit.mjs` or `tsc -p test` writes out/src/cli/main.js):

    /usr/bin/python3 scripts/make_torchvision_references.py            # every architecture
    /usr/bin/python3 scripts/make_torchvision_references.py resnet18   # some

For each NAME: our CLI writes its seed-0 state_dict (`weights --arch NAME --seed 0`); torchvision's
model loads it with strict=True (only num_batches_tracked, which eval() never reads, is added);
a fixed input runs through forward hooks on every named module, containers included; each call's
output is summarised: shape, min, max, mean, std, five values at spread-out flat positions and
the means of three spread-out channels. A module called more than once (ResNet's `relu`) has its
last call recorded as `name` (what a hook that overwrites keeps) and each earlier k-th call as
`name#k`. test/reference/README.md describes the files.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import read_safetensors  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "test", "reference", "torchvision")
CLI = os.path.join(REPO, "out", "src", "cli", "main.js")

# Input sizes: as small as each model allows, to keep the test quick. VGG and AlexNet need 224:
# their AdaptiveAvgPool2d(7) / (6) must see a multiple of its output. SqueezeNet's 66 makes its
# ceil_mode max pools round up where floor would not.
SIZES = {
    "resnet18": 64, "resnet34": 64, "resnet50": 64, "resnet101": 64,
    "vgg11": 224, "vgg13": 224, "vgg16": 224, "vgg19": 224,
    "vgg11_bn": 224, "vgg13_bn": 224, "vgg16_bn": 224, "vgg19_bn": 224,
    "alexnet": 224, "squeezenet1_0": 66, "squeezenet1_1": 66,
    "mobilenet_v2": 64, "mobilenet_v3_small": 64, "mobilenet_v3_large": 64,
    "densenet121": 64, "efficientnet_b0": 64,
}
# Input amplitude: the fixed input's [-2, 2] times this. MobileNets get 32 so that their first
# ReLU6 clips at 6 and Hardswish sees both of its flat ends; elsewhere 1.
AMPLITUDE = {"mobilenet_v2": 32, "mobilenet_v3_small": 32, "mobilenet_v3_large": 32}
SAMPLES = 5
CHANNELS = 3


def fixed_input(size, amplitude):
    """x[i] = (frac((i + 1) * 2654435761 / 2^32) * 4 - 2) * amplitude over the flat [1, 3, size,
    size] tensor: exact in integers and doubles (the amplitude is a power of two), so the test
    makes the same float32 values without a file."""
    n = 3 * size * size
    u = ((np.arange(n, dtype=np.uint64) + 1) * np.uint64(2654435761)) % np.uint64(2**32)
    x = (u.astype(np.float64) / 2**32 * 4 - 2) * amplitude
    return torch.from_numpy(x.astype(np.float32).reshape(1, 3, size, size))


def g8(v):
    return float(f"{float(v):.8g}")


def summary(t):
    a = t.numpy()
    a64 = a.astype(np.float64)
    flat = a.reshape(-1)
    positions = [k * (flat.size - 1) // (SAMPLES - 1) for k in range(SAMPLES)]
    entry = {
        "shape": list(a.shape),
        "min": g8(a.min()), "max": g8(a.max()), "mean": g8(a64.mean()), "std": g8(a64.std()),
        "samples": [[p, g8(flat[p])] for p in positions],
    }
    if a.ndim == 4:
        channels = sorted({k * (a.shape[1] - 1) // (CHANNELS - 1) for k in range(CHANNELS)})
        entry["channelMeans"] = [[c, g8(a64[0, c].mean())] for c in channels]
    return entry


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load(name, path):
    tensors, _ = read_safetensors(path)
    model = getattr(torchvision.models, name)()
    expected = model.state_dict()
    ours = set(tensors)
    theirs = {k for k in expected if not k.endswith("num_batches_tracked")}
    if ours != theirs:
        sys.exit(f"{name}: keys differ from torchvision's: ours only {sorted(ours - theirs)[:5]}, "
                 f"torchvision only {sorted(theirs - ours)[:5]}")
    if list(tensors) != [k for k in expected if k in ours]:
        sys.exit(f"{name}: our keys are not in torchvision's order")
    for k, v in expected.items():
        if k.endswith("num_batches_tracked"):
            tensors[k] = torch.zeros_like(v)
    model.load_state_dict(tensors, strict=True)
    return model.eval()


def run(model, x):
    calls, handles = {}, []
    for name, module in model.named_modules():
        if not name:
            continue  # the model itself: its output is its last module's

        def hook(_module, _inputs, output, name=name):
            calls.setdefault(name, []).append(output.detach().clone())

        handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        out = model(x)
    for h in handles:
        h.remove()
    return calls, out


def write(name, cli):
    size = SIZES[name]
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, f"{name}.safetensors")
        subprocess.run(["node", cli, "weights", "--arch", name, "--seed", "0", "--out", weights], check=True)
        digest = sha256(weights)
        model = load(name, weights)
    amplitude = AMPLITUDE.get(name, 1)
    x = fixed_input(size, amplitude)
    calls, out = run(model, x)
    layers, not_called = [], []
    modules = dict(model.named_modules())
    for module_name, module in modules.items():
        if not module_name:
            continue
        if module_name not in calls:
            not_called.append(module_name)
            continue
        for k, t in enumerate(calls[module_name]):
            layer_id = module_name if k == len(calls[module_name]) - 1 else f"{module_name}#{k + 1}"
            layers.append({"id": layer_id, "op": type(module).__name__, **summary(t)})
    doc = {
        "what": f"torchvision {name} on our seed-0 weights, every module's output; see test/reference/README.md",
        "arch": name,
        "weights": {"cli": f"weights --arch {name} --seed 0", "sha256": digest},
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "numpy": np.__version__},
        "generator": "scripts/make_torchvision_references.py",
        "input": {"size": size, "amplitude": amplitude,
                  "formula": "flat i: (frac((i + 1) * 2654435761 / 2^32) * 4 - 2) * amplitude",
                  **{k: summary(x)[k] for k in ("mean", "std", "samples")}},
        "output": list(out.shape),
        "notCalled": not_called,
    }
    head = json.dumps(doc, indent=1)
    lines = ",\n".join("  " + json.dumps(entry, separators=(",", ":")) for entry in layers)
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head[:-2] + ',\n "layers": [\n' + lines + "\n ]\n}\n")
    with open(path, encoding="utf-8") as f:
        json.load(f)
    print(f"{name}: {len(layers)} module outputs at {size}x{size}, {len(not_called)} modules not called, "
          f"{os.path.getsize(path)} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", choices=[[]] + list(SIZES), help="default: all")
    parser.add_argument("--cli", default=CLI, help="our compiled CLI (default out/src/cli/main.js)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    for name in args.names or list(SIZES):
        write(name, args.cli)


if __name__ == "__main__":
    main()
