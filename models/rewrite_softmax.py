"""Rewrite the Softmax node of an exported lumbar model as ReduceMax, Sub, Exp, ReduceSum and Div.

    /usr/bin/python3 models/rewrite_softmax.py IN.onnx OUT.onnx --model-version 1.0.1

The weights and every other node stay as they are, so the output equals the input model's within
float rounding. onnxruntime-node 1.31 runs a Softmax over the channel axis several times slower
than these five nodes. models/lumbar-seg.onnx 1.0.1 was made this way from the trained 1.0.0
file; a fresh models/train.sh run exports the same form directly (lumbar.network.channel_softmax).
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

from lumbar.model_edit import run_model_edit


def rewrite_softmax(model: onnx.ModelProto) -> None:
    """Replace the single channel-axis Softmax node of `model` in place."""
    nodes = list(model.graph.node)
    positions = [index for index, node in enumerate(nodes) if node.op_type == "Softmax"]
    if len(positions) != 1:
        raise ValueError(f"Expected one Softmax node, found {len(positions)}; this tool only rewrites the lumbar model's output softmax.")
    softmax = nodes[positions[0]]
    axis = next((attribute.i for attribute in softmax.attribute if attribute.name == "axis"), -1)
    if axis != 1:
        raise ValueError(f"Softmax axis is {axis}, expected 1 (the class channel); the model does not follow the lumbar contract.")
    logits, probabilities = softmax.input[0], softmax.output[0]
    model.graph.initializer.append(numpy_helper.from_array(np.array([1], np.int64), "softmax_axes"))
    replacement = [
        helper.make_node("ReduceMax", [logits], ["softmax_max"], axes=[1], keepdims=1),
        helper.make_node("Sub", [logits, "softmax_max"], ["softmax_shifted"]),
        helper.make_node("Exp", ["softmax_shifted"], ["softmax_exp"]),
        helper.make_node("ReduceSum", ["softmax_exp", "softmax_axes"], ["softmax_sum"], keepdims=1),
        helper.make_node("Div", ["softmax_exp", "softmax_sum"], [probabilities]),
    ]
    del model.graph.node[:]
    model.graph.node.extend(nodes[: positions[0]] + replacement + nodes[positions[0] + 1 :])


def main() -> int:
    def edit(model: onnx.ModelProto) -> str:
        rewrite_softmax(model)
        return ""

    return run_model_edit(__doc__, edit)


if __name__ == "__main__":
    sys.exit(main())
