"""Writes test/reference/pth/: small torch.save checkpoints and the same weights as safetensors.

Run with Debian's interpreter and python3-torch (see test/reference/README.md):
    /usr/bin/python3 scripts/make_pth_fixtures.py
"""
import json
import os
import struct
from collections import OrderedDict

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "reference", "pth")

# The safetensors dtype names of the torch dtypes written here.
ST_DTYPES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def write_safetensors(path, tensors):
    """The safetensors layout written by hand, so the fixtures need no safetensors package."""
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        t = t.detach().contiguous()
        # Raw bytes through an int8 view: numpy has no bfloat16.
        flat = t.reshape(-1)
        data = flat.to(torch.uint8).numpy().tobytes() if t.dtype == torch.bool else flat.view(torch.int8).numpy().tobytes()
        header[key] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)


def tiny_net():
    """The architecture of tiny.featuremaps.json, with trained-looking BatchNorm statistics."""
    net = torch.nn.Sequential(OrderedDict(features=torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 2, 3, padding=1))))
    with torch.no_grad():
        bn = net.features[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
        bn.num_batches_tracked.fill_(7)
    return net


def save(obj, name, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    net = tiny_net()
    sd = net.state_dict()
    save(sd, "tiny.pth")
    write_safetensors(os.path.join(OUT, "tiny.safetensors"), sd)
    # A training checkpoint from DataParallel: the weights under "state_dict", every key with "module.".
    save({"epoch": 3, "best_acc": 0.5, "state_dict": OrderedDict(("module." + k, v) for k, v in sd.items())}, "tiny-checkpoint.pth")
    # torch.compile's wrapper adds "_orig_mod."; the file name need not say .pth.
    save(OrderedDict(("_orig_mod." + k, v) for k, v in sd.items()), "tiny-compiled.bin")
    # Two tensor dicts: the reader cannot choose, the user names one.
    ema = OrderedDict((k, v * 0.5 if v.is_floating_point() else v) for k, v in sd.items())
    save({"model": sd, "ema": ema}, "tiny-two.pth")
    write_safetensors(os.path.join(OUT, "tiny-ema.safetensors"), ema)
    save(sd, "tiny-legacy.pth", _use_new_zipfile_serialization=False)

    base = torch.randn(3, 4)
    dtypes = {
        "f32": torch.randn(2, 3),
        "f64": torch.randn(5, dtype=torch.float64),
        "f16": torch.randn(2, 2).half(),
        "bf16": torch.randn(3).bfloat16(),
        "i64": torch.arange(4),
        "i32": torch.arange(3, dtype=torch.int32),
        "i16": torch.arange(2, dtype=torch.int16),
        "i8": torch.arange(2, dtype=torch.int8),
        "u8": torch.arange(2, dtype=torch.uint8),
        "bool": torch.tensor([True, False]),
        # Views saved together share one storage: "b" starts at an offset with a stride of 2, "c" is transposed.
        "a": base,
        "b": base[1:, ::2],
        "c": base.t(),
    }
    save(dtypes, "dtypes.pth")
    # What a reader must get: every floating-point tensor as contiguous float32.
    write_safetensors(os.path.join(OUT, "dtypes-f32.safetensors"),
                      OrderedDict((k, v.float()) for k, v in dtypes.items() if v.is_floating_point()))
    # keep_vars keeps the nn.Parameter objects, which pickle through _rebuild_parameter.
    save(net.state_dict(keep_vars=True), "tiny-params.pth")


if __name__ == "__main__":
    main()
