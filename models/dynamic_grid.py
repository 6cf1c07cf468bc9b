"""Let an exported lumbar model accept any grid height and width that is a multiple of its stride.

    /usr/bin/python3 models/dynamic_grid.py IN.onnx OUT.onnx --model-version 1.0.2

The network is fully convolutional and its upsampling sizes are read from the skip tensors, so
only the declared input and output dimensions 2 and 3 are fixed in the graph. This tool makes them
symbolic (H and W) and records the stride in `lumbar.sizeMultiple`. The segmenter then grows the
grid along the spine for a tall localizer instead of cropping it. Weights and nodes are unchanged.
models/lumbar-seg.onnx 1.0.2 was made this way from 1.0.1; models/train.py exports this form directly.
"""
import sys

import onnx

from lumbar.export import SIZE_MULTIPLE
from lumbar.model_edit import run_model_edit


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
    def edit(model: onnx.ModelProto) -> str:
        make_grid_dynamic(model, SIZE_MULTIPLE)
        return f", grid sizes in multiples of {SIZE_MULTIPLE}"

    return run_model_edit(__doc__, edit)


if __name__ == "__main__":
    sys.exit(main())
