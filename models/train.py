"""Train the lumbar sagittal segmentation model and export it to ONNX.

    /usr/bin/python3 models/train.py --data ../shared/data --phantoms models/.cache/phantom-train \
        --validation-phantoms models/.cache/phantom-val --out models/lumbar-seg.onnx

models/train.sh runs the whole pipeline (phantom export, training, export, checks). Seeds are
fixed, but torch on several threads does not promise bit-identical sums, so a rerun gives
weights that differ in the last digits.
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lumbar.augment import CONTRAST_MIXES, augment_batch, sample_canvases  # noqa: E402
from lumbar.data import (  # noqa: E402
    ALL_CLASSES,
    CLASSES,
    PUBLIC_SETS,
    load_label_table,
    load_phantom_case,
    load_public_case,
    make_split,
    NEIGHBOUR_MARGIN_MM,
    training_data_hash,
)
from lumbar.export import export_onnx  # noqa: E402
from lumbar.network import LumbarNet, StridedLumbarNet, WideLumbarNet  # noqa: E402
from lumbar.validate import validate_case  # noqa: E402

INPUT_PX = 224
SPACING_MM = 1.25
# Floor of the summed allowed probability in the cross-entropy (probability outputs only), so
# that log stays finite. A pixel below the floor gets no cross-entropy gradient, only Dice.
MIN_PROBABILITY = 1e-6
NETWORKS = {"strided": StridedLumbarNet, "unet": LumbarNet, "unet-wide": WideLumbarNet}
SOURCE_WEIGHTS = {
    "phantom": 0.4,
    "lumbar-t2-discs": 0.18,
    "lumbar-dixon-vertebrae": 0.12,
    "lumbar-t2-vertebrae": 0.15,
    "lumbar-mixed-vertebrae": 0.15,
}


def marginal_loss(outputs: torch.Tensor, targets: torch.Tensor, from_logits: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy on the set of allowed classes, plus soft Dice where a class is known.

    A pixel whose target allows several classes contributes -log of their summed probability, so
    a disc-only label pushes "not disc" pixels toward any of the other classes. `outputs` are
    logits (LumbarNet) or, with `from_logits` false, the probabilities that the exported graph
    returns (StridedLumbarNet upsamples probabilities, not logits).
    """
    class_count = outputs.shape[1]
    bits = ((targets[:, None] >> torch.arange(class_count)[None, :, None, None]) & 1).bool()
    known = targets != ALL_CLASSES
    if from_logits:
        log_all = torch.logsumexp(outputs, 1)
        log_allowed = torch.logsumexp(outputs.masked_fill(~bits, -1e4), 1)
        cross_entropy = (log_all - log_allowed)[known].mean() if known.any() else outputs.sum() * 0
        probabilities = torch.softmax(outputs, 1)
    else:
        probabilities = outputs
        allowed = (probabilities * bits).sum(1)
        cross_entropy = -torch.log(allowed[known].clamp(min=MIN_PROBABILITY)).mean() if known.any() else outputs.sum() * 0

    dice_terms = []
    for index in range(1, class_count):
        positive = targets == (1 << index)
        if not positive.any():
            continue
        known_here = positive | ~bits[:, index]
        predicted = probabilities[:, index] * known_here
        overlap = (predicted * positive).sum()
        dice_terms.append(1 - 2 * overlap / (predicted.sum() + positive.sum() + 1))
    soft_dice = torch.stack(dice_terms).mean() if dice_terms else outputs.sum() * 0
    return cross_entropy, soft_dice


class BatchStream(torch.utils.data.IterableDataset):
    """Endless augmented batches, drawn in a worker process so that sampling overlaps training."""

    def __init__(self, train: dict, batch: int, crop: int, seed: int, contrast_mix: str, channels: int, source_weights: dict):
        super().__init__()
        self.source_weights = source_weights
        self.contrast_mix = contrast_mix
        self.channels = channels
        self.train = train
        self.batch = batch
        self.crop = crop
        self.seed = seed

    def __iter__(self):
        torch.set_num_threads(1)
        # Each loader worker draws its own stream, and the loader takes batches from them in turn.
        worker = torch.utils.data.get_worker_info()
        seed = self.seed + 7919 * (worker.id if worker is not None else 0)
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(seed)
        sources = list(self.source_weights)
        weights = np.array([self.source_weights[name] for name in sources])
        weights /= weights.sum()
        while True:
            chosen = rng.choice(len(sources), size=self.batch, p=weights)
            cases = [self.train[sources[index]][int(rng.integers(len(self.train[sources[index]])))] for index in chosen]
            yield augment_batch(sample_canvases(cases, rng, self.channels), self.crop, SPACING_MM, generator, rng, self.contrast_mix)


def parse_source_weights(text: str) -> dict:
    """Parses `lumbar-t2-discs=0.3,phantom=0.3` into the default source weights with those entries replaced."""
    weights = dict(SOURCE_WEIGHTS)
    for pair in filter(None, text.split(",")):
        name, separator, value = pair.partition("=")
        if name not in SOURCE_WEIGHTS or separator != "=":
            raise argparse.ArgumentTypeError(f"invalid source weight '{pair}': use name=weight with a name from {', '.join(SOURCE_WEIGHTS)}")
        try:
            weight = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid weight '{value}' for {name}: use a number of 0 or more") from None
        if not math.isfinite(weight) or weight < 0:
            raise argparse.ArgumentTypeError(f"invalid weight '{value}' for {name}: use a number of 0 or more")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        raise argparse.ArgumentTypeError("the source weights sum to 0: give at least one source a positive weight")
    return weights


def load_cases(args, split):
    train, validation = {}, []
    for public_set in PUBLIC_SETS:
        for name, role in split[public_set.name].items():
            case = load_public_case(args.data, public_set, name, NEIGHBOUR_MARGIN_MM if args.input_channels == 3 else 0)
            if role == "train":
                train.setdefault(public_set.name, []).append(case)
            else:
                validation.append(case)
    class_bit, tissue_index, _ = load_label_table(args.phantoms)
    phantom_seeds = sorted(int(path.name.split("-")[1].split("_")[0]) for path in args.phantoms.glob("phantom-*_labels.nii.gz"))
    if args.max_phantoms:
        phantom_seeds = phantom_seeds[: args.max_phantoms]
    train["phantom"] = [load_phantom_case(args.phantoms, seed, class_bit, tissue_index, disc_margin_mm=args.phantom_disc_margin) for seed in phantom_seeds]
    validation_seeds = sorted(int(path.name.split("-")[1].split("_")[0]) for path in args.validation_phantoms.glob("phantom-*_labels.nii.gz"))
    validation += [load_phantom_case(args.validation_phantoms, seed, class_bit, tissue_index, half_width_mm=12) for seed in validation_seeds]
    return train, validation, phantom_seeds


def summarize(scores: list[tuple[str, str, dict]]) -> dict:
    """Mean Dice per set and class over validation cases."""
    summary = {}
    for set_name, _case, case_scores in scores:
        for name, value in case_scores.items():
            if not math.isnan(value):
                summary.setdefault(set_name, {}).setdefault(name, []).append(value)
    return {set_name: {name: round(float(np.mean(values)), 4) for name, values in classes.items()} for set_name, classes in summary.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with the public sets")
    parser.add_argument("--phantoms", type=Path, default=Path("models/.cache/phantom-train"), help="phantom label volumes for training")
    parser.add_argument("--validation-phantoms", type=Path, default=Path("models/.cache/phantom-val"), help="phantom label volumes for validation")
    parser.add_argument("--out", type=Path, default=Path("models/lumbar-seg.onnx"), help="ONNX file to write")
    parser.add_argument("--steps", type=int, default=6000, help="optimizer steps")
    parser.add_argument("--batch", type=int, default=12, help="slices per step")
    parser.add_argument("--crop", type=int, default=128, help="training crop size in model pixels")
    parser.add_argument("--learning-rate", type=float, default=4e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads: validation uses all, training one less (at least 1)")
    parser.add_argument("--loader-workers", type=int, default=1, help="processes that draw and augment batches")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="unet", help="network: unet (model 1.1), unet-wide (1.5 times as wide) or strided (model 2.x)")
    parser.add_argument("--contrast-mix", choices=sorted(CONTRAST_MIXES), default="spin-echo", help="contrasts drawn when phantom slices are rendered")
    parser.add_argument("--max-phantoms", type=int, default=0, help="use only the first N phantom cases (0: all)")
    parser.add_argument("--input-channels", type=int, choices=(1, 3), default=1, help="1: one slice per input; 3: the slice and its two neighbours in the stack")
    parser.add_argument(
        "--source-weights",
        type=parse_source_weights,
        default=dict(SOURCE_WEIGHTS),
        help="share of training slices drawn from each source, as name=weight pairs separated by commas; "
        f"named sources replace their default, the others keep it (default {','.join(f'{name}={weight}' for name, weight in SOURCE_WEIGHTS.items())})",
    )
    parser.add_argument(
        "--phantom-disc-margin",
        type=int,
        default=0,
        help="millimetres of each phantom disc's rim, inside the disc, that allow every class, so that the disc boundary is learned from the real disc labels only (default 0)",
    )
    parser.add_argument("--model-version", default="1.1.0")
    parser.add_argument("--metrics", type=Path, default=Path("models/.cache/metrics.json"), help="validation report to write")
    args = parser.parse_args()
    if args.phantom_disc_margin < 0:
        parser.error(f"invalid --phantom-disc-margin {args.phantom_disc_margin}: use 0 or a positive number of millimetres")

    # Loader workers draw batches in their own processes, one thread each.
    torch.set_num_threads(max(args.threads - 1, 1))
    torch.manual_seed(args.seed)
    started = time.time()

    split = make_split(args.data)
    train, validation, phantom_seeds = load_cases(args, split)
    data_hash = training_data_hash(split, phantom_seeds)
    print(f"loaded {sum(len(cases) for cases in train.values())} training and {len(validation)} validation cases in {time.time() - started:.0f} s", flush=True)

    model = NETWORKS[args.network](classes=len(CLASSES), in_channels=args.input_channels)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.learning_rate, total_steps=args.steps, pct_start=0.1)
    stream = torch.utils.data.DataLoader(BatchStream(train, args.batch, args.crop, args.seed, args.contrast_mix, args.input_channels, args.source_weights), batch_size=None, num_workers=args.loader_workers, prefetch_factor=4)
    batches = iter(stream)

    model.train()
    running = []
    for step in range(1, args.steps + 1):
        inputs, targets = next(batches)
        if isinstance(model, LumbarNet):
            cross_entropy, soft_dice = marginal_loss(model.logits(inputs), targets, from_logits=True)
        else:
            cross_entropy, soft_dice = marginal_loss(model(inputs), targets, from_logits=False)
        loss = cross_entropy + soft_dice
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        running.append([cross_entropy.item(), soft_dice.item()])
        if step % 25 == 0 or step == args.steps:
            mean = np.mean(running, axis=0)
            running = []
            print(f"step {step}/{args.steps} cross-entropy {mean[0]:.4f} soft-dice {mean[1]:.4f} elapsed {time.time() - started:.0f} s", flush=True)

    del batches, stream
    # The weights are kept beside the metrics, so a later run can be compared or resumed from them.
    args.metrics.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.metrics.parent / "weights.pt")
    torch.set_num_threads(args.threads)
    model.eval()
    train_seconds = time.time() - started
    scores = [(case.set_name, case.name, validate_case(model, case, INPUT_PX, SPACING_MM)) for case in validation]
    for set_name, name, case_scores in scores:
        print(f"validation {set_name} {name} " + " ".join(f"{key} {value:.3f}" for key, value in case_scores.items()), flush=True)
    summary = summarize(scores)
    print(json.dumps(summary, indent=2), flush=True)

    export_onnx(
        model,
        args.out,
        input_px=INPUT_PX,
        spacing_mm=SPACING_MM,
        model_version=args.model_version,
        training_data_hash=data_hash,
        input_channels=args.input_channels,
    )
    args.metrics.write_text(
        json.dumps(
            {
                "steps": args.steps,
                "batch": args.batch,
                "crop": args.crop,
                "network": args.network,
                "inputChannels": args.input_channels,
                "contrastMix": args.contrast_mix,
                "loaderWorkers": args.loader_workers,
                "trainSeconds": round(train_seconds),
                "totalSeconds": round(time.time() - started),
                "trainingDataHash": data_hash,
                "validation": summary,
                "cases": [{"set": set_name, "case": name, "dice": case_scores} for set_name, name, case_scores in scores],
            },
            indent=2,
        )
    )
    split_path = args.out.parent / "split.json"
    split_path.write_text(
        json.dumps(
            {
                "note": "Roles of the public cases for the committed model; phantom cases are generated, not listed.",
                "seed": 20261204,
                "sets": {set_name: [{"case": f"{name}_image.nii.gz", "role": role} for name, role in cases.items()] for set_name, cases in split.items()},
                "phantomTrainingSeeds": phantom_seeds,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out} and {split_path} after {time.time() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
