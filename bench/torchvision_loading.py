#!/usr/bin/env python3
"""torchvision's ImageFolder with PIL, the peer of DataLoadingBench on the same folder.

   taskset -c 0   /usr/bin/python3 bench/torchvision_loading.py FOLDER 0    # one core, in-process
   taskset -c 0,1 /usr/bin/python3 bench/torchvision_loading.py FOLDER 2    # two cores, two workers

Same work per image as DataLoadingBench: decode, RandomResizedCrop(224), RandomHorizontalFlip,
ToTensor, Normalize (ImageNet mean/std), batches of 64. Prints images/s per pass.
"""
import sys
import time

import torch
from torchvision import datasets, transforms


def main():
    folder, workers = sys.argv[1], int(sys.argv[2])
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(1)
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    data = datasets.ImageFolder(folder + "/train", tf)
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, num_workers=workers,
                                         persistent_workers=workers > 0)
    for p in range(passes):
        t0 = time.perf_counter()
        n = 0
        for x, _ in loader:
            n += x.shape[0]
        s = time.perf_counter() - t0
        print(f"pass {p}: {n} images in {s:.2f} s: {n / s:.1f} images/s with {workers} worker(s)", flush=True)


if __name__ == "__main__":
    main()
