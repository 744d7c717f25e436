#!/usr/bin/env python3
"""The LeNet part of bench/torch_peer.py, under the name the README's commands use.

Run with Debian's python3-torch:  /usr/bin/python3 bench/torch_lenet_training.py [steps=300] [threads=2]
"""
import sys

import torch_peer

torch_peer.main(["lenet", sys.argv[1] if len(sys.argv) > 1 else "300"] + sys.argv[2:3])
