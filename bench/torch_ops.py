#!/usr/bin/env python3
"""PyTorch side of `bench/bin/run LayerOpsBench`: the same layers of LeNet and ResNet-20, named as the
Java bench names them (DL4J's graph vertices), each run forward and backward on its own on one thread,
then the whole forward+backward and the whole step (SGD with Nesterov momentum and weight decay) of
the same network, so the two tables line up row by row.

A unit's forward runs with autograd recording (as in training); its backward is torch.autograd.grad
of its output for its input (unless the input is the network's) and its parameters. A DL4J
convolution or dense layer with a ReLU activation is one unit here too (conv + relu); the output
unit is the last linear layer with the cross-entropy loss. Random inputs of the shapes the network
feeds each unit; median of the iterations. Prints figures; asserts nothing.

Run with Debian's python3-torch (no test needs it):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_ops.py [arch=all|lenet|resnet20] [iterations=20] [batches=32,64]
"""
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Unit:
    def __init__(self, name, kind, fn, inputs, modules=()):
        self.name, self.kind, self.fn, self.inputs = name, kind, fn, inputs
        self.params = [p for m in modules for p in m.parameters()]
        self.modules = list(modules)


def lenet_units(labels):
    conv1, conv2 = nn.Conv2d(1, 20, 5), nn.Conv2d(20, 50, 5)
    fc1, fc2 = nn.Linear(800, 500), nn.Linear(500, 10)
    return [
        Unit("conv1", "conv+relu", lambda x: F.relu(conv1(x)), ["input"], [conv1]),
        Unit("pool1", "max_pool2d", lambda x: F.max_pool2d(x, 2), ["conv1"]),
        Unit("conv2", "conv+relu", lambda x: F.relu(conv2(x)), ["pool1"], [conv2]),
        Unit("pool2", "max_pool2d", lambda x: F.max_pool2d(x, 2), ["conv2"]),
        Unit("fc1", "linear+relu", lambda x: F.relu(fc1(x.flatten(1))), ["pool2"], [fc1]),
        Unit("output", "linear+cross_entropy", lambda x: F.cross_entropy(fc2(x), labels), ["fc1"], [fc2]),
    ]


def resnet20_units(labels):
    units = []

    def conv_bn(name, src, cin, cout, kernel, stride, relu):
        conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False)
        bn = nn.BatchNorm2d(cout)
        units.append(Unit(name + "_conv", "conv", conv, [src], [conv]))
        units.append(Unit(name + "_bn", "batch_norm", bn, [name + "_conv"], [bn]))
        if not relu:
            return name + "_bn"
        units.append(Unit(name + "_relu", "relu", F.relu, [name + "_bn"]))
        return name + "_relu"

    x = conv_bn("stem", "input", 1, 16, 3, 1, True)
    cin = 16
    for s, cout in enumerate((16, 32, 64)):
        for b in range(3):
            stride = 2 if s > 0 and b == 0 else 1
            name = f"s{s + 1}b{b + 1}"
            a = conv_bn(name + "_a", x, cin, cout, 3, stride, True)
            branch = conv_bn(name + "_b", a, cout, cout, 3, 1, False)
            shortcut = x
            if stride != 1 or cin != cout:
                shortcut = conv_bn(name + "_proj", x, cin, cout, 1, stride, False)
            units.append(Unit(name + "_add", "add", lambda p, q: p + q, [branch, shortcut]))
            units.append(Unit(name + "_relu", "relu", F.relu, [name + "_add"]))
            x, cin = name + "_relu", cout
    units.append(Unit("gap", "adaptive_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, 1).flatten(1), [x]))
    fc = nn.Linear(64, 10)
    units.append(Unit("output", "linear+cross_entropy", lambda t: F.cross_entropy(fc(t), labels), ["gap"], [fc]))
    return units


UNITS = {"lenet": lenet_units, "resnet20": resnet20_units}


def median(v):
    return sorted(v)[len(v) // 2]


def run(arch, batch, iterations):
    torch.manual_seed(1)
    labels = torch.arange(batch) % 10
    units = UNITS[arch](labels)
    acts = {"input": torch.randn(batch, 1, 28, 28)}
    with torch.no_grad():
        for u in units:
            acts[u.name] = u.fn(*[acts[i] for i in u.inputs])
    print(f"pytorch {torch.__version__} {arch}, batch {batch}, {torch.get_num_threads()} thread, median of "
          f"{iterations}, ms per call")
    print(f"{'layer':<14} {'type':<24} {'forward':>9} {'backward':>9}")
    fwd_sum = bwd_sum = 0.0
    for u in units:
        xs = [acts[i].detach().clone().requires_grad_(i != "input") for i in u.inputs]
        wrt = [x for x in xs if x.requires_grad] + u.params
        f, b = [], []
        for i in range(iterations + 3):
            t0 = time.perf_counter()
            out = u.fn(*xs)
            t1 = time.perf_counter()
            grad = None if out.dim() == 0 else torch.randn_like(out)
            t2 = time.perf_counter()
            torch.autograd.grad(out, wrt, grad)
            t3 = time.perf_counter()
            if i >= 3:
                f.append(1000 * (t1 - t0))
                b.append(1000 * (t3 - t2))
        print(f"{u.name:<14} {u.kind:<24} {median(f):9.3f} {median(b):9.3f}")
        fwd_sum += median(f)
        bwd_sum += median(b)
    print(f"{'sum of layers':<14} {'':<24} {fwd_sum:9.3f} {bwd_sum:9.3f}  (total {fwd_sum + bwd_sum:.3f})")
    params = [p for u in units for p in u.params]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    grad_t, step_t = [], []
    for i in range(iterations + 3):
        t0 = time.perf_counter()
        opt.zero_grad()
        a = {"input": acts["input"]}
        for u in units:
            a[u.name] = u.fn(*[a[k] for k in u.inputs])
        a["output"].backward()
        t1 = time.perf_counter()
        opt.step()
        t2 = time.perf_counter()
        if i >= 3:
            grad_t.append(1000 * (t1 - t0))
            step_t.append(1000 * (t2 - t0))
    g, s = median(grad_t), median(step_t)
    print(f"graph gradient (forward+backward) {g:.3f} ms, step {s:.3f} ms: glue {g - fwd_sum - bwd_sum:.3f} ms, "
          f"updater {s - g:.3f} ms, {batch * 1000 / s:.0f} samples/s\n")


def main(args):
    arch = args[0] if len(args) > 0 else "all"
    iterations = int(args[1]) if len(args) > 1 else 20
    batches = [int(b) for b in (args[2] if len(args) > 2 else "32,64").split(",")]
    torch.set_num_threads(1)
    for name in (UNITS if arch == "all" else [arch]):
        for batch in batches:
            run(name, batch, iterations)


if __name__ == "__main__":
    main(sys.argv[1:])
