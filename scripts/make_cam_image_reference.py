#!/usr/bin/python3
"""Writes test/reference/cam/image.json: what src/shared/camImage.ts must reproduce.

- resize: torch.nn.functional.interpolate(mode="bilinear") of small random maps, with
  align_corners False (the overlay, as cv2.resize) and True (Score-CAM's masks), up and down;
- scale: pytorch-grad-cam's scale_cam_image (minus the minimum, over 1e-7 + the maximum);
- overlay: show_cam_on_image(img, mask, use_rgb=True, image_weight=1 - opacity) written out in
  float32, with OpenCV's COLORMAP_JET as it uses.

    /usr/bin/python3 scripts/make_cam_image_reference.py
"""
import json
import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference", "cam", "image.json")


def rounded(a):
    return [float(v) for v in np.asarray(a, np.float32).ravel()]


def resize_case(rng, h, w, out_h, out_w, align):
    m = rng.standard_normal((h, w)).astype(np.float32)
    t = torch.from_numpy(m)[None, None]
    r = F.interpolate(t, size=(out_h, out_w), mode="bilinear", align_corners=align)[0, 0].numpy()
    return {"h": h, "w": w, "outH": out_h, "outW": out_w, "alignCorners": align, "map": rounded(m), "expected": rounded(r)}


def overlay_case(rng, h, w, opacity):
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    mask = rng.random((h, w)).astype(np.float32)
    heatmap = cv2.cvtColor(cv2.applyColorMap(np.uint8(255 * mask), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    heatmap = np.float32(heatmap) / 255
    image_weight = np.float32(1 - opacity)
    cam = (1 - image_weight) * heatmap + image_weight * (np.float32(img) / 255)
    cam = cam / np.max(cam)
    out = np.uint8(255 * cam)
    rgba = np.concatenate([img, np.full((h, w, 1), 255, np.uint8)], 2)
    return {"h": h, "w": w, "opacity": opacity, "image": rgba.ravel().tolist(), "scaled": rounded(mask), "expected": out.ravel().tolist()}


def main():
    rng = np.random.default_rng(14)
    resize = [
        resize_case(rng, 3, 4, 7, 10, False),
        resize_case(rng, 5, 5, 20, 17, False),
        resize_case(rng, 6, 9, 4, 5, False),
        resize_case(rng, 1, 3, 2, 7, False),
        resize_case(rng, 3, 4, 7, 10, True),
        resize_case(rng, 2, 2, 1, 1, True),
    ]
    raw = (rng.standard_normal(40) * 3 + 5).astype(np.float32)
    scale = {"map": rounded(raw), "expected": rounded((raw - raw.min()) / (np.float32(1e-7) + (raw - raw.min()).max()))}
    overlay = [overlay_case(rng, 6, 8, 0.5), overlay_case(rng, 5, 7, 0.8)]
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        json.dump({"torch": torch.__version__, "opencv": cv2.__version__, "resize": resize, "scale": scale, "overlay": overlay}, f)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
