#!/usr/bin/env python3
"""PyTorch peer of `bench/bin/run TrainingThroughputBench lenet STEPS`: the same LeNet (431,080
parameters), batch 64, SGD with Nesterov momentum, data preloaded as float tensors (random values:
throughput does not depend on them). Prints samples/s, then inference latency at batch 1 and 64; asserts nothing.

Run with Debian's python3-torch:  /usr/bin/python3 bench/torch_lenet_training.py [steps=300] [threads=2]
"""
import sys
import time

import torch
from torch import nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(1)
net = nn.Sequential(
    nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
assert sum(p.numel() for p in net.parameters()) == 431080
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(steps + 10, 64, 1, 28, 28)
y = torch.randint(0, 10, (steps + 10, 64))


def step(i):
    opt.zero_grad()
    loss_fn(net(x[i]), y[i]).backward()
    opt.step()


for i in range(10):
    step(i)
t0 = time.perf_counter()
for i in range(steps):
    step(10 + i)
seconds = time.perf_counter() - t0
print(f"pytorch {torch.__version__} lenet training, batch 64, {steps} steps, {threads} threads: "
      f"{64 * steps / seconds:.0f} samples/s")

# inference latency of the same network, batch 1 and 64, median of 200 after 30 warm-up
net.eval()
with torch.no_grad():
    for batch in (1, 64):
        xb = torch.rand(batch, 1, 28, 28)
        for _ in range(30):
            net(xb)
        times = []
        for _ in range(200):
            t = time.perf_counter()
            net(xb)
            times.append(time.perf_counter() - t)
        times.sort()
        print(f"pytorch lenet inference, batch {batch}, {threads} threads: {1000 * times[100]:.3f} ms (median)")
