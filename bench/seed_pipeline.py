"""The seed's PyTorch pipeline, step by step, for bench/run.mjs: prints one JSON object of
timings (ms) so the two pipelines are measured in one run on one machine.

usage: /usr/bin/python3 bench/seed_pipeline.py IMAGE WEIGHTS.safetensors SIZE REPEATS
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

import cv2  # noqa: E402
import torch  # noqa: E402
from torchvision.transforms import ToTensor  # noqa: E402

from make_reference import read_safetensors  # noqa: E402
from seed_model import XAI  # noqa: E402


def ms(start):
    return (time.perf_counter() - start) * 1000


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    image, weights, size, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out = {"threads": torch.get_num_threads()}

    decode = []
    for _ in range(repeats):
        t = time.perf_counter()
        img = cv2.imread(image)
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
        x = ToTensor()(img).unsqueeze(0)
        decode.append(ms(t))
    out["decode"] = median(decode)

    t = time.perf_counter()
    model = XAI()
    model.eval()
    out["build"] = ms(t)
    model.load_state_dict(read_safetensors(weights)[0], strict=False)

    modules = [m for m in list(model.features) + list(model.classifier)]
    kept = {}

    def keep(index):
        # A copy, as a faithful all-layer tool must: in-place ReLU rewrites BatchNorm outputs.
        def hook(_module, _input, output):
            kept[index] = output.detach().clone()
        return hook

    with torch.no_grad():
        plain = []
        for _ in range(repeats):
            t = time.perf_counter()
            model(x)
            plain.append(ms(t))
        handles = [m.register_forward_hook(keep(i)) for i, m in enumerate(modules)]
        hooked = []
        for _ in range(repeats):
            t = time.perf_counter()
            model(x)
            hooked.append(ms(t))
        for h in handles:
            h.remove()
    out["plain"] = median(plain)
    out["allLayers"] = median(hooked)
    print(json.dumps(out))


main()
