"""Validation Dice at 1 mm on held-out volumes, slice by slice through the model grid."""
import numpy as np
import torch
from torch.nn import functional as F

from .augment import intensity_window, render_phantoms
from .data import CLASSES, Case


def _model_grid(height: int, width: int, output_px: int, spacing_mm: float) -> torch.Tensor:
    """Build the sampling grid of the model input: centred on the slice, `spacing_mm` per model pixel."""
    offsets = (torch.arange(output_px, dtype=torch.float32) - (output_px - 1) / 2) * spacing_mm
    rows, columns = torch.meshgrid((height - 1) / 2 + offsets, (width - 1) / 2 + offsets, indexing="ij")
    return torch.stack([(2 * columns + 1) / width - 1, (2 * rows + 1) / height - 1], dim=-1)[None]


def _image_grid(height: int, width: int, output_px: int, spacing_mm: float) -> torch.Tensor:
    """Build the grid that maps model probabilities back onto the 1 mm slice pixels."""
    rows = (torch.arange(height, dtype=torch.float32) - (height - 1) / 2) / spacing_mm + (output_px - 1) / 2
    columns = (torch.arange(width, dtype=torch.float32) - (width - 1) / 2) / spacing_mm + (output_px - 1) / 2
    grid_rows, grid_columns = torch.meshgrid(rows, columns, indexing="ij")
    return torch.stack([(2 * grid_columns + 1) / output_px - 1, (2 * grid_rows + 1) / output_px - 1], dim=-1)[None]


# Distance of the neighbours fed to an adjacent-slice model during validation, mm (the evaluation
# localizer's slice spacing is 4.4 mm).
VALIDATION_NEIGHBOUR_MM = 4


@torch.no_grad()
def predict_slices(model, slices: torch.Tensor, output_px: int, spacing_mm: float, chunk: int = 16) -> torch.Tensor:
    """Predict the class index per pixel for 1 mm sagittal slices (K, C, H, W), C the model's input channels."""
    low, high = intensity_window(slices)
    normalized = ((slices - low) / (high - low)).clamp(0, 1)
    count, _channels, height, width = slices.shape
    to_model = _model_grid(height, width, output_px, spacing_mm)
    to_image = _image_grid(height, width, output_px, spacing_mm)
    results = []
    for start in range(0, count, chunk):
        batch = normalized[start : start + chunk]
        inputs = F.grid_sample(batch, to_model.expand(batch.shape[0], -1, -1, -1), mode="bilinear", padding_mode="zeros", align_corners=False)
        probabilities = model(inputs)
        back = F.grid_sample(probabilities, to_image.expand(batch.shape[0], -1, -1, -1), mode="bilinear", padding_mode="zeros", align_corners=False)
        results.append(back.argmax(1))
    return torch.cat(results)


def dice(prediction: np.ndarray, truth: np.ndarray) -> float:
    total = prediction.sum() + truth.sum()
    return float(2 * (prediction & truth).sum() / total) if total else float("nan")


def _input_slices(case: Case, chosen: np.ndarray, channels: int) -> torch.Tensor:
    """Build the model inputs (K, C, H, W) of the chosen slices: each slice, and with 3 channels its neighbours."""
    depth = case.targets.shape[2]
    if channels == 3:
        indices = np.stack([chosen - VALIDATION_NEIGHBOUR_MM, chosen, chosen + VALIDATION_NEIGHBOUR_MM], axis=1)
    else:
        indices = chosen[:, None]
    inside = (indices >= 0) & (indices < depth)
    clipped = np.clip(indices, 0, depth - 1)
    if case.tissues is not None:
        generator = torch.Generator().manual_seed(7)
        tissues = torch.from_numpy(np.transpose(case.tissues[:, :, clipped.reshape(-1)], (2, 0, 1)).copy())
        images = render_phantoms(tissues[:, None], torch.ones(tissues.shape[0], 1), generator, preset="T2")
    else:
        images = torch.from_numpy(np.transpose(case.image[:, :, clipped.reshape(-1)], (2, 0, 1)).copy())
    images = images.view(len(chosen), indices.shape[1], *images.shape[-2:])
    return images * torch.from_numpy(inside)[:, :, None, None]


def validate_case(model, case: Case, output_px: int, spacing_mm: float, slice_step: int = 2) -> dict:
    """Score Dice per class that this case's labels can score, over every `slice_step`-th slice in its range."""
    low, high = case.slice_range
    chosen = np.arange(low, high + 1, slice_step)
    images = _input_slices(case, chosen, getattr(model, "in_channels", 1))
    predicted = predict_slices(model, images, output_px, spacing_mm).numpy()
    predicted = np.transpose(predicted, (1, 2, 0))
    targets = case.targets[:, :, chosen]
    labels = case.labels[:, :, chosen]
    scores = {}
    if case.set_name == "phantom":
        for index, name in enumerate(CLASSES[1:], start=1):
            scores[name] = dice(predicted == index, targets == (1 << index))
        return scores
    trusted = np.zeros(labels.shape, bool)
    trusted[case.extra["top_row"] :] = True
    if case.set_name == "lumbar-t2-discs":
        scores["disc"] = dice((predicted == CLASSES.index("disc")) & trusted, (labels > 0) & trusted)
        return scores
    if case.set_name == "lumbar-mixed-vertebrae":
        # The lowest label may be L5 or S1, so rows from its top down are left out.
        lowest = labels == labels.max()
        first_row = int(np.flatnonzero(lowest.any(axis=(1, 2)))[0])
        trusted[first_row:] = False
    scores["vertebra"] = dice((predicted == CLASSES.index("vertebra")) & trusted, (labels > 0) & trusted)
    return scores
