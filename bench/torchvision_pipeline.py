"""A torchvision model in PyTorch, for bench/torchvision.mjs: writes its state_dict with torch.save
(the file Feature Maps then reads too) and prints one JSON object of timings (ms), so both sides
are measured in one run on one machine.

usage: /usr/bin/python3 bench/torchvision_pipeline.py ARCH SIZE REPEATS OUT.pth
"""
import json
import sys

import torch
import torchvision

from timing import timed


def main():
    arch, size, repeats, pth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)().eval()
    torch.save(model.state_dict(), pth)
    out = {"threads": torch.get_num_threads()}
    out["load"] = timed(lambda: torch.load(pth, map_location="cpu"), repeats)

    x = torch.rand(1, 3, size, size)
    with torch.no_grad():
        model(x)
        out["plain"] = timed(lambda: model(x), repeats)
        # What a notebook does to see every layer: a forward hook on every module, one pass.
        kept = {}
        for name, module in model.named_modules():
            if name:
                module.register_forward_hook(lambda _m, _i, o, name=name: kept.__setitem__(name, o))
        model(x)
        out["allLayers"] = timed(lambda: model(x), repeats)
        out["modules"] = len(kept)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
