"""Training and validation data: public volumes with partial labels, and phantom label maps.

Every volume is held as (superior->inferior, anterior->posterior, across the body) at 1 mm, so a
slice [:, :, k] is a sagittal image with rows running down and columns running posterior.

Targets are per-pixel bitmasks of the classes a pixel may belong to. A fully labelled pixel has
one bit set. A pixel that a set labels only as "not this structure" has every other bit set,
and a pixel without any label information has all bits set and adds no loss.
"""
import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import nibabel
import numpy as np
import scipy.ndimage

CLASSES = ["background", "vertebra", "sacrum", "disc", "canal"]
BACKGROUND, VERTEBRA, SACRUM, DISC, CANAL = (1 << index for index in range(len(CLASSES)))
ALL_CLASSES = (1 << len(CLASSES)) - 1

# Rows up to this far above the highest label (mm) are trusted. Above that, unlabelled levels of
# the same structure (T12/L1 disc, T10 body) may appear, so those rows are ignored.
TRUST_ABOVE_TOP_LABEL_MM = 4

# Slices beyond the labelled range that are kept for training, mm on each side.
LATERAL_MARGIN_MM = 3

# Image slices an adjacent-slice model keeps beyond that range, mm on each side, so that it can
# see the neighbours of the outermost training slices (localizer slices lie at most about 6 mm apart).
NEIGHBOUR_MARGIN_MM = 8

SPLIT_SEED = 20261204


@dataclass
class PublicSet:
    name: str
    # The structure the set labels: "disc" or "vertebra".
    structure: str
    validation_count: int
    # True when the lowest label may be L5 or S1 (not recorded), so it may be vertebra or sacrum.
    lowest_label_ambiguous: bool = False


PUBLIC_SETS = [
    PublicSet("lumbar-t2-discs", "disc", 1),
    PublicSet("lumbar-dixon-vertebrae", "vertebra", 4),
    PublicSet("lumbar-t2-vertebrae", "vertebra", 2),
    PublicSet("lumbar-mixed-vertebrae", "vertebra", 2, lowest_label_ambiguous=True),
]


@dataclass
class Case:
    set_name: str
    name: str
    # float32 image or None for phantoms; uint8 class bitmask targets; both (SI, AP, LR).
    image: np.ndarray | None
    targets: np.ndarray
    # Phantom only: tissue index per voxel, rendered with a random contrast at training time.
    tissues: np.ndarray | None = None
    # Slices (axis 2) worth sampling: those near labelled structures.
    slice_range: tuple[int, int] = (0, 0)
    # Label values and source labels, kept for validation Dice.
    labels: np.ndarray | None = None
    extra: dict = field(default_factory=dict)


def case_names(data_dir: Path, set_name: str) -> list[str]:
    folder = data_dir / set_name
    return sorted(path.name[: -len("_image.nii.gz")] for path in folder.glob("case-*_image.nii.gz"))


def make_split(data_dir: Path) -> dict:
    """Choose validation cases per set with a fixed seed; returns {set: {case: role}}."""
    generator = random.Random(SPLIT_SEED)
    split = {}
    for public_set in PUBLIC_SETS:
        names = case_names(data_dir, public_set.name)
        if not names:
            raise FileNotFoundError(f"No case-*_image.nii.gz in {data_dir / public_set.name}; check --data.")
        shuffled = list(names)
        generator.shuffle(shuffled)
        validation = set(shuffled[: public_set.validation_count])
        split[public_set.name] = {name: ("validation" if name in validation else "train") for name in names}
    return split


def training_data_hash(split: dict, phantom_seeds: list[int]) -> str:
    """sha256 of the sorted list of training inputs (public case files and phantom seeds)."""
    entries = [f"{set_name}/{case}_image.nii.gz" for set_name, cases in split.items() for case, role in cases.items() if role == "train"]
    entries += [f"phantom/seed-{seed}" for seed in phantom_seeds]
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def _labelled_slice_range(labels: np.ndarray) -> tuple[int, int]:
    present = np.flatnonzero(labels.reshape(-1, labels.shape[2]).any(axis=0))
    low = max(int(present[0]) - LATERAL_MARGIN_MM, 0)
    high = min(int(present[-1]) + LATERAL_MARGIN_MM, labels.shape[2] - 1)
    return low, high


def load_public_case(data_dir: Path, public_set: PublicSet, name: str, neighbour_margin_mm: int = 0) -> Case:
    folder = data_dir / public_set.name
    image = np.asarray(nibabel.load(folder / f"{name}_image.nii.gz").dataobj, dtype=np.float32)
    labels = np.asarray(nibabel.load(folder / f"{name}_labels.nii.gz").dataobj).astype(np.uint8)
    low, high = _labelled_slice_range(labels)
    first = max(low - neighbour_margin_mm, 0)
    last = min(high + neighbour_margin_mm, labels.shape[2] - 1)
    image = np.ascontiguousarray(image[:, :, first : last + 1])
    labels = np.ascontiguousarray(labels[:, :, first : last + 1])

    structure_bit = DISC if public_set.structure == "disc" else VERTEBRA
    targets = np.where(labels > 0, structure_bit, ALL_CLASSES & ~structure_bit).astype(np.uint8)
    if public_set.lowest_label_ambiguous:
        lowest = int(labels.max())
        targets[labels == lowest] = VERTEBRA | SACRUM
    labelled_rows = np.flatnonzero(labels.any(axis=(1, 2)))
    top_row = max(int(labelled_rows[0]) - TRUST_ABOVE_TOP_LABEL_MM, 0)
    targets[:top_row] = ALL_CLASSES
    return Case(public_set.name, name, image, targets, slice_range=(low - first, high - first), labels=labels, extra={"top_row": top_row})


def load_label_table(phantom_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Lookup tables from phantom label value to class bit and to tissue index."""
    table = json.loads((phantom_dir / "labels.json").read_text())
    tissues = table["tissues"]
    class_bit = np.zeros(256, np.uint8)
    tissue_index = np.zeros(256, np.uint8)
    for entry in table["labels"]:
        class_bit[entry["value"]] = 1 << CLASSES.index(entry["modelClass"])
        tissue_index[entry["value"]] = tissues.index(entry["tissue"])
    return class_bit, tissue_index, tissues


def load_phantom_case(
    phantom_dir: Path, seed: int, class_bit: np.ndarray, tissue_index: np.ndarray, half_width_mm: int = 30, disc_margin_mm: int = 0
) -> Case:
    """Loads the central sagittal slab of a phantom label volume, reordered to (SI, AP, LR).

    With `disc_margin_mm`, disc voxels within that distance (1 mm voxels, 6-connected) of a
    non-disc voxel allow every class, so the phantom does not teach where a disc ends and the
    real disc labels alone set the disc boundary.
    """
    volume = nibabel.load(phantom_dir / f"phantom-{seed}_labels.nii.gz")
    labels = np.asarray(volume.dataobj).astype(np.uint8)  # (LR, AP, SI): i left, j posterior, k inferior
    centre = labels.shape[0] // 2
    slab = labels[centre - half_width_mm : centre + half_width_mm + 1]
    slab = np.ascontiguousarray(np.transpose(slab, (2, 1, 0)))
    targets = class_bit[slab]
    if disc_margin_mm > 0:
        disc = targets == DISC
        core = scipy.ndimage.binary_erosion(disc, iterations=disc_margin_mm, border_value=1)
        targets = np.where(disc & ~core, ALL_CLASSES, targets).astype(np.uint8)
    return Case(
        "phantom",
        f"phantom-{seed}",
        None,
        targets,
        tissues=tissue_index[slab],
        slice_range=(0, slab.shape[2] - 1),
        labels=slab,
    )
