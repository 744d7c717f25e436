#!/usr/bin/env python3
"""Where torchvision's time goes per image, the peer of DecodeStagesBench on the same folder.

   taskset -c 0 /usr/bin/python3 bench/torchvision_stages.py FOLDER [repeats=3]

Each stage over all JPEGs of FOLDER/train held in memory, in each round; printed is the fastest
round after the first, in microseconds per image: PIL decode (open, convert("RGB")), RandomResizedCrop(224), RandomHorizontalFlip,
ToTensor, Normalize, and the DataLoader's collation of 64 tensors (torch.stack).
"""
import io
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms


FASTEST = {}


def stage(record, name, items, fn, per_call=1):
    t0 = time.perf_counter()
    out = [fn(x) for x in items]
    us = (time.perf_counter() - t0) * 1e6 / (len(items) * per_call)
    if record:
        FASTEST[name] = min(us, FASTEST.get(name, us))
    return out


def main():
    folder = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(1)
    files = []
    for root, _, names in sorted(os.walk(folder + "/train")):
        for name in sorted(names):
            with open(os.path.join(root, name), "rb") as f:
                files.append(f.read())
    crop = transforms.RandomResizedCrop(224)
    flip = transforms.RandomHorizontalFlip()
    to_tensor = transforms.ToTensor()
    normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    for r in range(repeats):
        images = stage(r > 0, "PIL decode (open, convert RGB)", files,
                       lambda b: Image.open(io.BytesIO(b)).convert("RGB"))
        crops = stage(r > 0, "RandomResizedCrop(224)", images, crop)
        flipped = stage(r > 0, "RandomHorizontalFlip", crops, flip)
        tensors = stage(r > 0, "ToTensor", flipped, to_tensor)
        normed = stage(r > 0, "Normalize", tensors, normalize)
        groups = [normed[i:i + 64] for i in range(0, len(normed) - 63, 64)]
        stage(r > 0, "collate 64 (torch.stack)", groups, torch.stack, 64)
    for name, us in FASTEST.items():
        print(f"{name:<40} {us:8.1f} us/image")


if __name__ == "__main__":
    main()
