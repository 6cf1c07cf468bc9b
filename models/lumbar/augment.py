"""Batch sampling and augmentation on the CPU with torch.

A batch starts as 2D sagittal slices on a 1 mm canvas: public images, or phantom tissue maps
rendered here with a random contrast per tissue. Augmentation then simulates a localizer: slice
thickness (averaging neighbouring 1 mm slices), gamma, bias field, acquisition pixel size (area
downsampling), Rician noise, and pose and field of view (rotation, scale and shift of the crop
that is resampled onto the model grid). The intensity window follows the inference rule.
"""
import math

import numpy as np
import torch
from torch.nn import functional as F

from .data import BACKGROUND, Case

CANVAS_PX = 320
MAX_THICKNESS_SLICES = 5
THICKNESS_CHOICES = np.array([1, 2, 3, 4, 5])
THICKNESS_WEIGHTS = np.array([0.2, 0.1, 0.25, 0.25, 0.2])

# Intensity window, as the inference preprocessing computes it per series: voxels above this
# fraction of the 99th percentile are foreground, and the window is their 1st to 99th percentile.
FOREGROUND_FRACTION_OF_P99 = 0.05

# Relative intensities per tissue, in the phantom's tissue order (see simulator/phantom/labels.ts).
TISSUE_ORDER = ["air", "fat", "epiduralFat", "muscle", "softTissue", "csf", "cord", "cauda", "marrow", "cortex", "annulus", "nucleus", "vessel"]
CONTRAST_PRESETS = {
    "T2": [0, 0.85, 0.8, 0.2, 0.4, 1.0, 0.42, 0.5, 0.48, 0.08, 0.22, 0.82, 0.05],
    "T1": [0, 0.95, 0.9, 0.35, 0.45, 0.12, 0.45, 0.35, 0.7, 0.08, 0.3, 0.38, 0.06],
    "STIR": [0, 0.08, 0.1, 0.22, 0.35, 1.0, 0.45, 0.5, 0.2, 0.05, 0.18, 0.75, 0.05],
    # Chemical-shift (Dixon) gradient echo: the water image (fat dark, marrow grey, fluid bright),
    # the fat image (fat and fatty marrow bright, water tissues dark) and the in-phase image
    # (T1-like, fluid grey, flowing blood bright).
    "water": [0, 0.1, 0.12, 0.35, 0.4, 0.85, 0.5, 0.55, 0.35, 0.05, 0.3, 0.8, 0.3],
    "fat": [0, 1.0, 0.95, 0.08, 0.2, 0.03, 0.05, 0.05, 0.6, 0.03, 0.05, 0.04, 0.05],
    "inPhase": [0, 0.9, 0.85, 0.3, 0.4, 0.3, 0.35, 0.32, 0.65, 0.05, 0.3, 0.4, 0.5],
}
# Chance of each contrast when a phantom slice is rendered, per mix ("uniform" draws every tissue
# in [0.05, 1]). Model 1.x trained on "spin-echo", model 2.x on "with-dixon".
CONTRAST_MIXES = {
    "spin-echo": {"uniform": 0.25, "T2": 0.4, "T1": 0.2, "STIR": 0.15},
    "with-dixon": {"uniform": 0.2, "T2": 0.3, "T1": 0.15, "STIR": 0.1, "water": 0.12, "fat": 0.05, "inPhase": 0.08},
}
TEXTURE_AMPLITUDE = [0, 0.04, 0.05, 0.08, 0.35, 0.02, 0.03, 0.12, 0.1, 0, 0.05, 0.06, 0.2]
MARROW = TISSUE_ORDER.index("marrow")
CORTEX = TISSUE_ORDER.index("cortex")


def _place(canvas: np.ndarray, array: np.ndarray) -> None:
    """Copies `array` (..., H, W) into the centre of `canvas`, cropping what does not fit."""
    height, width = array.shape[-2:]
    top = (CANVAS_PX - height) // 2
    left = (CANVAS_PX - width) // 2
    source_top, source_left = max(-top, 0), max(-left, 0)
    target_top, target_left = max(top, 0), max(left, 0)
    rows = min(height - source_top, CANVAS_PX - target_top)
    columns = min(width - source_left, CANVAS_PX - target_left)
    canvas[..., target_top : target_top + rows, target_left : target_left + columns] = array[
        ..., source_top : source_top + rows, source_left : source_left + columns
    ]


# Adjacent-slice inputs: the neighbours lie this many 1 mm slices from the centre slice (drawn
# per sample, at least the slice thickness), and each is left out (all zeros, as at either end of
# a localizer stack) with this chance.
NEIGHBOUR_DISTANCES = np.array([3, 4, 5, 6])
MISSING_NEIGHBOUR_CHANCE = 0.1


def _slab(k: int, thickness: int, depth: int) -> tuple[int, int]:
    """First and last+1 slice of a slab of `thickness` 1 mm slices centred on slice k, clipped to the volume."""
    first = max(k - thickness // 2, 0)
    return first, min(first + thickness, depth)


def sample_canvases(cases: list[Case], rng: np.random.Generator, channels: int = 1) -> dict:
    """Draws one sagittal slice (of random thickness) per case onto 1 mm canvases.

    With `channels` 3 it also draws the slabs at a random distance on both sides of the centre
    slice (channels 0 and 2), because the segmenter feeds the neighbouring localizer slices there.
    A neighbour outside the volume stays zero.
    """
    count = len(cases)
    images = np.zeros((count, channels, CANVAS_PX, CANVAS_PX), np.float32)
    tissues = np.zeros((count, channels, MAX_THICKNESS_SLICES, CANVAS_PX, CANVAS_PX), np.uint8)
    weights = np.zeros((count, channels, MAX_THICKNESS_SLICES), np.float32)
    targets = np.zeros((count, CANVAS_PX, CANVAS_PX), np.uint8)
    centres = np.zeros((count, 2), np.float32)
    phantom = np.zeros(count, bool)
    centre_channel = channels // 2
    for index, case in enumerate(cases):
        low, high = case.slice_range
        k = int(rng.integers(low, high + 1))
        thickness = int(rng.choice(THICKNESS_CHOICES, p=THICKNESS_WEIGHTS))
        slabs = [(centre_channel, k)]
        if channels == 3:
            distance = int(rng.choice(NEIGHBOUR_DISTANCES[NEIGHBOUR_DISTANCES >= thickness]))
            slabs += [(0, k - distance), (2, k + distance)]
        depth = case.targets.shape[2]
        target = case.targets[:, :, k]
        _place(targets[index], target)
        phantom[index] = case.tissues is not None
        for channel, centre in slabs:
            first, last = _slab(centre, thickness, depth)
            if last <= first:
                continue
            if case.tissues is not None:
                _place(tissues[index, channel, : last - first], np.transpose(case.tissues[:, :, first:last], (2, 0, 1)))
                weights[index, channel, : last - first] = 1
            else:
                _place(images[index, channel], case.image[:, :, first:last].mean(axis=2))
        rows, columns = np.nonzero((target != 0) & (target != BACKGROUND) & (target != 31) & ((target & (target - 1)) == 0))
        height, width = target.shape
        if rows.size:
            centres[index] = [rows.mean() + (CANVAS_PX - height) // 2, columns.mean() + (CANVAS_PX - width) // 2]
        else:
            centres[index] = [CANVAS_PX / 2, CANVAS_PX / 2]
    return {"images": images, "tissues": tissues, "weights": weights, "targets": targets, "centres": centres, "phantom": phantom}


def _smooth_noise(count: int, cells: int, height: int, width: int, generator: torch.Generator) -> torch.Tensor:
    """Smooth random field in about [-1, 1]: random values on a coarse grid, bicubically upsampled."""
    coarse = torch.rand(count, 1, cells, cells, generator=generator) * 2 - 1
    return F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=False)[:, 0]


def _random_contrast(generator: torch.Generator, mix: str) -> torch.Tensor:
    draw = torch.rand(1, generator=generator).item()
    name = "uniform"
    for candidate, chance in CONTRAST_MIXES[mix].items():
        name = candidate
        draw -= chance
        if draw < 0:
            break
    if name == "uniform":
        contrast = torch.rand(len(TISSUE_ORDER), generator=generator) * 0.95 + 0.05
        contrast[TISSUE_ORDER.index("air")] = 0
        contrast[CORTEX] = torch.rand(1, generator=generator).item() * 0.15
        return contrast
    jitter = 1 + 0.25 * (torch.rand(len(TISSUE_ORDER), generator=generator) * 2 - 1)
    return (torch.tensor(CONTRAST_PRESETS[name]) * jitter).clamp(0, 1.2)


def render_phantoms(
    tissues: torch.Tensor, weights: torch.Tensor, generator: torch.Generator, preset: str | None = None, mix: str = "spin-echo", group: int = 1
) -> torch.Tensor:
    """Renders tissue maps (P, S, H, W) averaged over S slices, with a preset or a contrast drawn from `mix`.

    A drawn contrast is shared by each run of `group` consecutive maps (the slices of one sample).
    """
    count, slices, height, width = tissues.shape
    if preset is None:
        contrast = torch.stack([_random_contrast(generator, mix) for _ in range(count // group)]).repeat_interleave(group, 0)
    else:
        contrast = torch.tensor(CONTRAST_PRESETS[preset]).expand(count, -1)
    index = tissues.long()
    values = torch.gather(contrast[:, None, :].expand(count, slices, -1), 2, index.view(count, slices, -1)).view(count, slices, height, width)

    # Cortex: bone voxels next to non-bone voxels get the cortex intensity.
    bone = (index == MARROW).float()
    near_soft_tissue = F.max_pool2d((1 - bone).view(-1, 1, height, width), 3, 1, 1).view(count, slices, height, width)
    cortex = (bone * near_soft_tissue) > 0
    values = torch.where(cortex, contrast[:, CORTEX, None, None, None].expand_as(values), values)

    amplitude = torch.tensor(TEXTURE_AMPLITUDE)[index]
    texture = _smooth_noise(count, 48, height, width, generator)[:, None]
    values = values * (1 + amplitude * texture)
    image = (values * weights[:, :, None, None]).sum(1) / weights.sum(1).clamp(min=1)[:, None, None]
    return image


def _quantile(values: torch.Tensor, fraction: float) -> float:
    return torch.quantile(values, fraction).item()


def _subsample(image: torch.Tensor, max_values: int = 20_000) -> torch.Tensor:
    values = image.flatten()
    return values[:: values.numel() // max_values + 1]


def intensity_window(image: torch.Tensor) -> tuple[float, float]:
    """Compute the inference normalization window of one image (any shape)."""
    values = _subsample(image)
    threshold = FOREGROUND_FRACTION_OF_P99 * _quantile(values, 0.99)
    foreground = values[values > threshold]
    if foreground.numel() < 10:
        foreground = values
    low = _quantile(foreground, 0.01)
    high = _quantile(foreground, 0.99)
    if not high > low:
        high = low + 1
    return low, high


def augment_batch(
    canvases: dict, output_px: int, spacing_mm: float, generator: torch.Generator, rng: np.random.Generator, mix: str = "spin-echo"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turns canvases into model inputs (B, C, S, S) in [0, 1] and target bitmasks (B, S, S).

    Every channel of a sample gets the same geometry, gamma, bias field and intensity window.
    The window comes from all of its channels, because the inference computes it over the series.
    """
    images = torch.from_numpy(canvases["images"])
    phantom = canvases["phantom"]
    count, channels = images.shape[:2]
    centre_channel = channels // 2
    if phantom.any():
        # Only as many slices as the thickest phantom sample uses are rendered.
        weights = canvases["weights"][phantom]
        used = int(np.flatnonzero(weights.any(axis=(0, 1))).max()) + 1
        tissues = torch.from_numpy(canvases["tissues"][phantom][:, :, :used]).flatten(0, 1)
        rendered = render_phantoms(tissues, torch.from_numpy(weights[:, :, :used]).flatten(0, 1), generator, mix=mix, group=channels)
        images[torch.from_numpy(phantom)] = rendered.view(-1, channels, *rendered.shape[-2:])

    grids = []
    sampled = []
    for index in range(count):
        image = images[index]
        image = (image / max(_quantile(_subsample(image[centre_channel]), 0.995), 1e-6)).clamp(min=0)
        pixel_mm = rng.uniform(0.8, 1.6)
        if pixel_mm > 1.05:
            size = int(round(CANVAS_PX / pixel_mm))
            image = F.interpolate(image[None], size=(size, size), mode="area")[0]

        # Crop grid: output pixel offsets in mm, scaled and rotated, around a centre near the spine.
        angle = math.radians(rng.uniform(-15, 15))
        zoom = math.exp(rng.uniform(math.log(0.85), math.log(1.18)))
        if rng.random() < 0.2:
            centre = rng.uniform(CANVAS_PX * 0.3, CANVAS_PX * 0.7, size=2)
        else:
            centre = canvases["centres"][index] + rng.normal(0, 25, size=2)
        offsets = (torch.arange(output_px, dtype=torch.float32) - (output_px - 1) / 2) * spacing_mm * zoom
        rows, columns = torch.meshgrid(offsets, offsets, indexing="ij")
        cosine, sine = math.cos(angle), math.sin(angle)
        canvas_rows = centre[0] + cosine * rows - sine * columns
        canvas_columns = centre[1] + sine * rows + cosine * columns
        grid = torch.stack([(2 * canvas_columns + 1) / CANVAS_PX - 1, (2 * canvas_rows + 1) / CANVAS_PX - 1], dim=-1)[None]
        grids.append(grid)

        # Gamma, bias field and Rician noise are applied to the crop only, because that is cheaper.
        # The window comes from the whole slice, as the inference computes it over the series.
        gamma = math.exp(rng.uniform(math.log(0.7), math.log(1.4)))
        low, high = intensity_window(_subsample(image).pow(gamma))
        low *= rng.uniform(0.9, 1.1)
        high *= rng.uniform(0.93, 1.07)
        crop = F.grid_sample(image[None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]
        inside = F.grid_sample(torch.ones(1, 1, *image.shape[-2:]), grid, mode="nearest", padding_mode="zeros", align_corners=False)[0, 0]
        crop = crop.pow(gamma) * torch.exp(0.25 * _smooth_noise(1, 4, output_px, output_px, generator)[0])
        sigma = rng.uniform(0.0, 0.05) * (high - low)
        real = crop + sigma * torch.randn(crop.shape, generator=generator)
        imaginary = sigma * torch.randn(crop.shape, generator=generator)
        crop = torch.sqrt(real * real + imaginary * imaginary)
        # The contract pads outside the acquired field of view with 0 after normalization.
        normalized = ((crop - low) / (high - low)).clamp(0, 1) * inside
        if channels == 3:
            # The model must not depend on which side a neighbour lies, and must cope with the
            # zero neighbour at either end of a stack.
            if rng.random() < 0.5:
                normalized = normalized.flip(0)
            for channel in (0, 2):
                if rng.random() < MISSING_NEIGHBOUR_CHANCE:
                    normalized[channel] = 0
        sampled.append(normalized[None])

    grid = torch.cat(grids)
    model_inputs = torch.cat(sampled)
    targets = F.grid_sample(torch.from_numpy(canvases["targets"]).float()[:, None], grid, mode="nearest", padding_mode="zeros", align_corners=False)
    targets = targets[:, 0].round().long()
    targets[targets == 0] = BACKGROUND
    return model_inputs, targets
