"""Command-line skeleton shared by the tools that edit an exported lumbar model in place."""
import argparse
from pathlib import Path
from typing import Callable

import onnx


def run_model_edit(description: str, edit: Callable[[onnx.ModelProto], str]) -> int:
    """Read SOURCE, apply `edit`, set `lumbar.modelVersion`, check and write TARGET.

    `edit` changes the model in place and returns a note for the final message.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="ONNX model to read")
    parser.add_argument("target", type=Path, help="ONNX model to write")
    parser.add_argument("--model-version", required=True, help="new lumbar.modelVersion")
    args = parser.parse_args()

    model = onnx.load(str(args.source))
    note = edit(model)
    versions = [entry for entry in model.metadata_props if entry.key == "lumbar.modelVersion"]
    if not versions:
        raise ValueError(f"{args.source} has no lumbar.modelVersion metadata; export it with models/train.py.")
    versions[0].value = args.model_version
    onnx.checker.check_model(model)
    onnx.save(model, str(args.target))
    print(f"wrote {args.target} (model version {args.model_version}{note})")
    return 0
