#!/usr/bin/python3
"""Writes src/engine/model/torchvision/imagenetClasses.json: the 1000 ImageNet class names in
index order, as torchvision's own weights metadata lists them (the `categories` of every
ImageNet-1k weights enum). Run with Debian's interpreter (python3-torchvision):

    /usr/bin/python3 scripts/make_imagenet_classes.py
"""

import json
import os

from torchvision.models import ResNet18_Weights

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "src", "engine", "model", "torchvision", "imagenetClasses.json")


def main():
    names = list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    assert len(names) == 1000, len(names)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(names, f, indent=0, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, REPO)}: {len(names)} names, {names[0]} .. {names[-1]}")


if __name__ == "__main__":
    main()
