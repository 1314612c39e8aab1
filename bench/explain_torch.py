"""The explanation methods in PyTorch, for bench/explain.mjs: the same model file, image size and
method settings as Feature Maps, timed in one run on one machine; prints one JSON object (ms).

    /usr/bin/python3 bench/explain_torch.py ARCH SIZE WEIGHTS.pth LAYER REPEATS [write]

With `write`, the model is made with torch.manual_seed(0) and saved to WEIGHTS.pth first.

Grad-CAM as pytorch-grad-cam computes it (a forward hook keeps the layer, autograd the gradient);
Score-CAM and occlusion as batched loops of 32 inputs, as pytorch-grad-cam's ScoreCAM and Captum's
Occlusion run them.
"""
import json
import sys

import torch
import torch.nn.functional as F
import torchvision

from timing import timed


def main():
    arch, size, weights, layer, repeats = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    if sys.argv[6:] == ["write"]:
        torch.manual_seed(0)
        torch.save(getattr(torchvision.models, arch)().state_dict(), weights)
    state = torch.load(weights, map_location="cpu")
    model = getattr(torchvision.models, arch)(num_classes=state["fc.weight"].shape[0] if "fc.weight" in state else 1000)
    model.load_state_dict(state)
    model.eval()
    target = dict(model.named_modules())[layer]
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    kept = {}
    target.register_forward_hook(lambda _m, _i, o: kept.__setitem__("a", o))

    with torch.no_grad():
        cls = int(model(x).argmax())
    out = {"threads": torch.get_num_threads(), "class": cls}
    with torch.no_grad():
        out["plain"] = timed(lambda: model(x), repeats)

    def gradcam():
        score = model(x)[0, cls]
        (g,) = torch.autograd.grad(score, kept["a"])
        a = kept["a"].detach()
        return F.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1))

    out["gradcam"] = timed(gradcam, repeats)

    def scorecam():
        with torch.no_grad():
            model(x)
            a = kept["a"]
            up = F.interpolate(a, size=x.shape[-2:], mode="bilinear", align_corners=True)[0]
            flat = up.reshape(up.shape[0], -1)
            lo, hi = flat.min(1).values[:, None, None], flat.max(1).values[:, None, None]
            masks = (up - lo) / (hi - lo).clamp_min(1e-12)
            scores = []
            for i in range(0, masks.shape[0], 32):
                scores.append(model(x * masks[i:i + 32, None])[:, cls])
            w = torch.softmax(torch.cat(scores), 0)
            return F.relu((w[:, None, None] * a[0]).sum(0))

    out["scorecam"] = timed(scorecam, 1)
    out["channels"] = int(kept["a"].shape[1])

    def occlusion(window=16, stride=8):
        with torch.no_grad():
            base = model(x)[0, cls]
            spots = [(t, l) for t in range(0, size - window + 1, stride) for l in range(0, size - window + 1, stride)]
            total, count = torch.zeros(size, size), torch.zeros(size, size)
            for i in range(0, len(spots), 32):
                chunk = spots[i:i + 32]
                batch = x.repeat(len(chunk), 1, 1, 1)
                for j, (t, l) in enumerate(chunk):
                    batch[j, :, t:t + window, l:l + window] = 0
                drops = base - model(batch)[:, cls]
                for j, (t, l) in enumerate(chunk):
                    total[t:t + window, l:l + window] += drops[j]
                    count[t:t + window, l:l + window] += 1
            return total / count.clamp_min(1)

    out["occlusion"] = timed(occlusion, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
