"""ONNX export with the metadata the inference side checks."""
import json
from pathlib import Path

import numpy as np
import onnx
import torch

from .data import CLASSES

OPSET = 13
# Total stride of the encoders (four 2x downsamplings): grid sizes must be multiples of it.
SIZE_MULTIPLE = 16
ORIENTATION = "rows superior->inferior, columns anterior->posterior"
NORMALIZATION = (
    "per-series percentile window: voxels above 0.05 x the 99th percentile of all voxels of the series are foreground; "
    "intensities are clipped to the 1st..99th percentile of the foreground and scaled linearly to [0, 1]; "
    "model pixels outside the acquired image are 0"
)


def export_onnx(
    model: torch.nn.Module, path: Path, input_px: int, spacing_mm: float, model_version: str, training_data_hash: str, input_channels: int = 1
) -> None:
    """Writes the model (softmax inside) with `lumbar.*` metadata, then a torch reference output."""
    model.eval()
    example = torch.rand(2, input_channels, input_px, input_px)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["image"],
        output_names=["probabilities"],
        # Height and width are symbolic: the network is fully convolutional, so the segmenter may
        # grow the grid along the spine in multiples of SIZE_MULTIPLE for a tall localizer.
        dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "probabilities": {0: "N", 2: "H", 3: "W"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    proto = onnx.load(str(path))
    metadata = {
        "lumbar.classes": json.dumps(CLASSES),
        "lumbar.inputHeight": str(input_px),
        "lumbar.inputWidth": str(input_px),
        "lumbar.spacingMm": str(spacing_mm),
        "lumbar.normalization": NORMALIZATION,
        "lumbar.orientation": ORIENTATION,
        "lumbar.modelVersion": model_version,
        "lumbar.trainingDataHash": training_data_hash,
        "lumbar.opset": str(OPSET),
        "lumbar.sizeMultiple": str(SIZE_MULTIPLE),
    }
    if input_channels != 1:
        # Channel 1 is the slice to segment, channels 0 and 2 its neighbours in the stack (see models/README.md).
        metadata["lumbar.inputChannels"] = str(input_channels)
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key = key
        entry.value = value
    proto.producer_name = "lumbar-copilot models/train.py"
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))

    # Reference input and torch output for the onnxruntime-node check (models/check-onnx.mjs).
    generator = torch.Generator().manual_seed(3)
    reference_input = torch.rand(3, input_channels, input_px, input_px, generator=generator)
    with torch.no_grad():
        reference_output = model(reference_input)
    cache = Path(__file__).resolve().parent.parent / ".cache"
    cache.mkdir(exist_ok=True)
    reference_input.numpy().astype(np.float32).tofile(cache / "reference-input.f32")
    reference_output.numpy().astype(np.float32).tofile(cache / "reference-output.f32")
