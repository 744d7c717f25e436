#!/usr/bin/env python3
"""PyTorch peer of the project's speed benchmarks: trains and times the same networks as
`bench/bin/run TrainingSpeedBench ARCH STEPS` on the same data, then times inference at batch 1 and 64.

- lenet: the zoo's LeNet (conv 5x5x20 + ReLU, max-pool, conv 5x5x50 + ReLU, max-pool, dense 500 + ReLU,
  softmax; 431,080 parameters, asserted).
- resnet20: the zoo's ResNet-20 (3x3 stem of 16 channels without bias, batch norm, ReLU; three stages
  of three basic blocks with 16/32/64 channels, 1x1 projection shortcuts with batch norm where the
  shape changes, global average pooling, softmax; 272,186 trainable parameters, asserted).

Training: batch 64, SGD with Nesterov momentum 0.9, weight decay 5e-4, Fashion-MNIST images from
/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist) normalised once and preloaded as float
tensors (the Java bench's `prebatched` setting), STEPS steps after 10 warm-up steps. Inference: eval mode,
no_grad, median of 200 runs after 30 warm-up. Prints figures; asserts only the parameter counts.

Run with Debian's python3-torch:
  /usr/bin/python3 bench/torch_peer.py [arch=all|lenet|resnet20] [steps=100] [threads=2]
"""
import gzip
import os
import sys
import time

import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))


def conv_bn(cin, cout, kernel, stride):
    return [nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.branch = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(), *conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout \
            else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.branch(x) + self.shortcut(x))


def resnet20():
    layers = [*conv_bn(1, 16, 3, 1), nn.ReLU()]
    cin = 16
    for s, cout in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(BasicBlock(cin, cout, 2 if s > 0 and b == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


NETWORKS = {"lenet": (lenet, 431080), "resnet20": (resnet20, 272186)}


def fashion_mnist(n):
    """The first n training images as normalised float [n, 1, 28, 28] and their labels."""
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
        pixels = torch.frombuffer(bytearray(f.read()[16:16 + n * 784]), dtype=torch.uint8)
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
        labels = torch.frombuffer(bytearray(f.read()[8:8 + n]), dtype=torch.uint8).long()
    x = pixels.float().div(255).view(n, 1, 28, 28)
    return (x - x.mean()) / x.std(), labels


def train(name, steps, threads, x, y):
    factory, params = NETWORKS[name]
    torch.manual_seed(1)
    net = factory()
    count = sum(p.numel() for p in net.parameters())
    assert count == params, f"{name}: {count} parameters, expected {params}"
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    batches = x.shape[0] // 64

    def step(i):
        b = i % batches
        opt.zero_grad()
        loss_fn(net(x[64 * b:64 * (b + 1)]), y[64 * b:64 * (b + 1)]).backward()
        opt.step()

    net.train()
    for i in range(10):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(10 + i)
    seconds = time.perf_counter() - t0
    print(f"pytorch {torch.__version__} {name} training, batch 64, {steps} steps, {threads} threads: "
          f"{64 * steps / seconds:.0f} samples/s")
    net.eval()
    with torch.no_grad():
        for batch in (1, 64):
            xb = x[:batch].clone()
            for _ in range(30):
                net(xb)
            times = []
            for _ in range(200):
                t = time.perf_counter()
                net(xb)
                times.append(time.perf_counter() - t)
            times.sort()
            print(f"pytorch {name} inference, batch {batch}, {threads} threads: {1000 * times[100]:.3f} ms (median)")


def main(args):
    arch = args[0] if len(args) > 0 else "all"
    steps = int(args[1]) if len(args) > 1 else 100
    threads = int(args[2]) if len(args) > 2 else 2
    torch.set_num_threads(threads)
    x, y = fashion_mnist(64 * (steps + 10))
    for name in (NETWORKS if arch == "all" else [arch]):
        train(name, steps, threads, x, y)


if __name__ == "__main__":
    main(sys.argv[1:])
