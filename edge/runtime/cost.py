"""What a model costs: multiply-accumulates and parameters, read from the graph.

The benchmark divides these by measured latency to show how far the detector
runs from the machine's peak arithmetic rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.runtime.model import TFLiteModel


@dataclass(frozen=True)
class ModelCost:
    macs: int
    """Multiply-accumulates per inference in convolutions and fully connected layers."""
    params: int
    """Weights and biases of those layers."""

    @property
    def flops(self) -> int:
        return 2 * self.macs


def model_cost(model: TFLiteModel) -> ModelCost:
    shapes = {d["index"]: tuple(int(v) for v in d["shape"]) for d in model.tensor_details()}
    macs = params = 0
    for op in model._interpreter._get_ops_details():
        name = op["op_name"]
        ins = [i for i in op["inputs"] if i >= 0]
        outs = list(op["outputs"])
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") or len(ins) < 2:
            continue
        out = shapes[outs[0]]
        weight = shapes[ins[1]]
        params += int(np.prod(weight)) + (int(np.prod(shapes[ins[2]])) if len(ins) > 2 else 0)
        if name == "CONV_2D":
            _, kh, kw, cin = weight
            macs += int(np.prod(out)) * kh * kw * cin
        elif name == "DEPTHWISE_CONV_2D":
            _, kh, kw, _ = weight
            macs += int(np.prod(out)) * kh * kw
        else:
            macs += int(np.prod(out)) * weight[-1]
    return ModelCost(macs, params)
