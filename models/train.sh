#!/bin/sh
# Reproduces models/lumbar-seg.onnx from the public sets and the phantom: exports phantom label
# volumes, trains with fixed seeds, writes the ONNX model and models/split.json, then checks the
# model in onnxruntime-node against the torch output. Run from anywhere; the data folder defaults
# to ../shared/data beside the repository and can be set with LUMBAR_DATA.
#
# LUMBAR_RECIPE picks the model: unet (default) is the committed model 1.1.0. The candidates in
# models/README.md are not committed: wide (1.5 times the width), adjacent (wide, fed three
# adjacent slices) and strided (the faster 2.0.0). LUMBAR_STEPS overrides the recipe's step
# count, and LUMBAR_OUT the output file.
set -eu
cd "$(dirname "$0")/.."
data=${LUMBAR_DATA:-../shared/data}
recipe=${LUMBAR_RECIPE:-unet}
out=${LUMBAR_OUT:-models/lumbar-seg.onnx}
case "$recipe" in
  unet) options="--network unet --steps ${LUMBAR_STEPS:-6000} --crop 128 --loader-workers 1 --contrast-mix spin-echo --model-version 1.1.0" ;;
  wide) options="--network unet-wide --steps ${LUMBAR_STEPS:-8000} --crop 128 --loader-workers 1 --contrast-mix spin-echo --model-version 1.2.0" ;;
  adjacent) options="--network unet-wide --input-channels 3 --steps ${LUMBAR_STEPS:-8000} --crop 128 --loader-workers 1 --contrast-mix spin-echo --model-version 1.2.0" ;;
  strided) options="--network strided --steps ${LUMBAR_STEPS:-2400} --crop 160 --loader-workers 2 --contrast-mix with-dixon --model-version 2.0.0" ;;
  *) echo "LUMBAR_RECIPE must be unet, wide, adjacent or strided, not '$recipe'." >&2; exit 2 ;;
esac

node --import tsx simulator/phantom/export.ts --count 48 --seed 1000 --out models/.cache/phantom-train
node --import tsx simulator/phantom/export.ts --count 4 --seed 9000 --out models/.cache/phantom-val
# shellcheck disable=SC2086
/usr/bin/python3 models/train.py --data "$data" $options --out "$out" --metrics models/.cache/metrics.json
node models/check-onnx.mjs "$out" --slices 20
