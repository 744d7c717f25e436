#!/usr/bin/env python3
"""Puts the outputs of `bench/bin/run LayerOpsBench` and `bench/torch_ops.py` side by side as Markdown
tables, one per network and batch: layers grouped by DL4J layer type (ResNet-20) or one row per layer
(LeNet), forward and backward ms in each framework and DL4J's time over PyTorch's; then the sums, DL4J's
graph glue and updater against PyTorch's, and the whole step.

  /usr/bin/python3 bench/op_table.py DL4J_OUTPUT TORCH_OUTPUT
"""
import re
import sys

ROW = re.compile(r"^(\S+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s*$")
HEAD = re.compile(r"^(?:pytorch \S+ )?(lenet|resnet20), batch (\d+)")
STEP = re.compile(r"graph gradient \(.*?\) ([\d.]+) ms, step(?: \(fit\))? ([\d.]+) ms")


def parse(path):
    """{(arch, batch): {"rows": [(layer, type, fwd, bwd)], "gradient": ms, "step": ms}}"""
    out, key = {}, None
    for line in open(path):
        m = HEAD.match(line)
        if m:
            key = (m.group(1), int(m.group(2)))
            out[key] = {"rows": []}
            continue
        m = STEP.search(line)
        if m and key:
            out[key]["gradient"], out[key]["step"] = float(m.group(1)), float(m.group(2))
            continue
        m = ROW.match(line)
        if m and key and m.group(1) not in ("layer", "sum"):
            out[key]["rows"].append((m.group(1), m.group(2), float(m.group(3)), float(m.group(4))))
    return out


def group(arch, layer, dl4j_type):
    if arch == "lenet":
        return layer
    names = {"ConvolutionLayer": "convolutions", "BatchNormalization": "batch norms", "ActivationLayer": "ReLUs",
             "ElementWiseVertex": "residual additions", "GlobalPoolingLayer": "global average pooling",
             "OutputLayer": "dense + softmax loss"}
    if layer == "stem_conv":
        return "stem convolution (1→16)"
    return names.get(dl4j_type, dl4j_type)


def table(arch, batch, d, t):
    torch_rows = {r[0]: r for r in t["rows"]}
    groups = {}
    for layer, kind, f, b in d["rows"]:
        g = group(arch, layer, kind)
        tf, tb = torch_rows[layer][2:4]
        acc = groups.setdefault(g, [0, 0.0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += f
        acc[2] += b
        acc[3] += tf
        acc[4] += tb
    print(f"\n{arch}, batch {batch}, one thread, ms per step (median of the iterations)\n")
    print("| layers | DL4J forward | DL4J backward | PyTorch forward | PyTorch backward | DL4J / PyTorch |")
    print("|---|---|---|---|---|---|")
    sums = [0.0] * 4
    for g, (n, f, b, tf, tb) in groups.items():
        label = g if n == 1 else f"{g} ({n})"
        print(f"| {label} | {f:.2f} | {b:.2f} | {tf:.2f} | {tb:.2f} | {(f + b) / (tf + tb):.1f}x |")
        for i, v in enumerate((f, b, tf, tb)):
            sums[i] += v
    d_sum, t_sum = sums[0] + sums[1], sums[2] + sums[3]
    print(f"| **sum of layers** | {sums[0]:.2f} | {sums[1]:.2f} | {sums[2]:.2f} | {sums[3]:.2f} | "
          f"{d_sum / t_sum:.1f}x |")
    d_glue, t_glue = d["gradient"] - d_sum, t["gradient"] - t_sum
    print(f"| graph glue (gradient − sum of layers) | {d_glue:.2f} | | {t_glue:.2f} | | |")
    print(f"| updater (step − gradient) | {d['step'] - d['gradient']:.2f} | | {t['step'] - t['gradient']:.2f} | | |")
    print(f"| **whole step** | {d['step']:.2f} | | {t['step']:.2f} | | **{d['step'] / t['step']:.2f}x** "
          f"({batch * 1000 / d['step']:.0f} against {batch * 1000 / t['step']:.0f} samples/s) |")


def main(args):
    dl4j, torch = parse(args[0]), parse(args[1])
    for key in dl4j:
        if key in torch:
            table(key[0], key[1], dl4j[key], torch[key])


if __name__ == "__main__":
    main(sys.argv[1:])
