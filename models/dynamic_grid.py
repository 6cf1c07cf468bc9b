"""Let an exported lumbar model accept any grid height and width that is a multiple of its stride.

    /usr/bin/python3 models/dynamic_grid.py IN.onnx OUT.onnx --model-version 1.0.2

The network is fully convolutional and its upsampling sizes are read from the skip tensors, so
only the declared input and output dimensions 2 and 3 are fixed in the graph. This tool makes them
symbolic (H and W) and records the stride in `lumbar.sizeMultiple`. The segmenter then grows the
grid along the spine for a tall localizer instead of cropping it. Weights and nodes are unchanged.
models/lumbar-seg.onnx 1.0.2 was made this way from 1.0.1; models/train.py exports this form directly.
"""
import argparse
import sys
from pathlib import Path

import onnx

SIZE_MULTIPLE = 16


def make_grid_dynamic(model: onnx.ModelProto, size_multiple: int) -> None:
    """Replace dimensions 2 and 3 of the `image` input and `probabilities` output with H and W."""
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name not in ("image", "probabilities"):
            continue
        dims = value.type.tensor_type.shape.dim
        if len(dims) != 4:
            raise ValueError(f"{value.name} has {len(dims)} dimensions, expected 4 ([N, C, H, W]); the model does not follow the lumbar contract.")
        dims[2].dim_param = "H"
        dims[3].dim_param = "W"
    entries = [entry for entry in model.metadata_props if entry.key == "lumbar.sizeMultiple"]
    entry = entries[0] if entries else model.metadata_props.add()
    entry.key = "lumbar.sizeMultiple"
    entry.value = str(size_multiple)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="ONNX model to read")
    parser.add_argument("target", type=Path, help="ONNX model to write")
    parser.add_argument("--model-version", required=True, help="new lumbar.modelVersion")
    args = parser.parse_args()

    model = onnx.load(str(args.source))
    make_grid_dynamic(model, SIZE_MULTIPLE)
    versions = [entry for entry in model.metadata_props if entry.key == "lumbar.modelVersion"]
    if not versions:
        raise ValueError(f"{args.source} has no lumbar.modelVersion metadata; export it with models/train.py.")
    versions[0].value = args.model_version
    onnx.checker.check_model(model)
    onnx.save(model, str(args.target))
    print(f"wrote {args.target} (model version {args.model_version}, grid sizes in multiples of {SIZE_MULTIPLE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
