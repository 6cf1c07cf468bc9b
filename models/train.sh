#!/bin/sh
# Reproduces models/lumbar-seg.onnx from the public sets and the phantom: exports phantom label
# volumes, trains with fixed seeds, writes the ONNX model and models/split.json, then checks the
# model in onnxruntime-node against the torch output. Run from anywhere; the data folder defaults
# to ../shared/data beside the repository and can be set with LUMBAR_DATA.
set -eu
cd "$(dirname "$0")/.."
data=${LUMBAR_DATA:-../shared/data}
steps=${LUMBAR_STEPS:-1000}

node --import tsx simulator/phantom/export.ts --count 48 --seed 1000 --out models/.cache/phantom-train
node --import tsx simulator/phantom/export.ts --count 4 --seed 9000 --out models/.cache/phantom-val
/usr/bin/python3 models/train.py --data "$data" --steps "$steps" --out models/lumbar-seg.onnx --metrics models/.cache/metrics.json
node models/check-onnx.mjs models/lumbar-seg.onnx --slices 12
