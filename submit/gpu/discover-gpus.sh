#!/usr/bin/env bash
# Spark's GPU discovery script for PocketFlow's executors and workers
# (spark.executor.resource.gpu.discoveryScript, spark.worker.resource.gpu.discoveryScript):
# prints the GPUs this host's nvidia-smi lists as Spark's resource JSON, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Indices are CUDA device numbers; set CUDA_DEVICE_ORDER=PCI_BUS_ID on the executors so that CUDA
# numbers devices as nvidia-smi does.
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo "discover-gpus.sh: nvidia-smi not found on $(hostname)" >&2; exit 1; }
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
addresses=""
for i in $indices; do
  [[ "$i" =~ ^[0-9]+$ ]] || { echo "discover-gpus.sh: nvidia-smi printed '$i', not a GPU index" >&2; exit 1; }
  addresses+="${addresses:+, }\"$i\""
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
