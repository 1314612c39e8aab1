"""What a notebook user runs today to get one layer's activation into a file: the seed's own
code (its imports, model, hook class, cv2 input) plus np.save. Timed whole by bench/run.mjs.

usage: /usr/bin/python3 bench/seed_dump.py IMAGE LAYER OUT.npy
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

import matplotlib.pyplot as plt  # noqa: E402,F401  (the seed imports it)
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torchvision.transforms import ToTensor  # noqa: E402

from seed_model import XAI, LayerActivations  # noqa: E402

image, layer, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
model = XAI()
model.eval()
img = cv2.imread(image)
img = cv2.resize(img, (100, 100), interpolation=cv2.INTER_LINEAR)
img = ToTensor()(img).unsqueeze(0)
result = LayerActivations(model.features, layer)
with torch.no_grad():
    model(img)
np.save(out, result.features)
