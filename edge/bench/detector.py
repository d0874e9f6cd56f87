"""Network latency: a TFLite model run on one input, many times, on a given thread count.

The timed call is `TFLiteModel.run` (input copy, invoke, output dequantise),
what the detector pays per frame before decoding. The achieved rate is the
graph's arithmetic (`edge.runtime.cost`) over the median latency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.bench.stats import Summary, summarize
from edge.runtime.cost import model_cost
from edge.runtime.model import TFLiteModel


@dataclass(frozen=True)
class ModelTiming:
    label: str
    path: str
    threads: int
    delegate: str
    runs: int
    latency_ms: Summary
    gflop: float
    """Floating-point (or integer) operations per inference, 1e9: 2 x multiply-accumulates."""
    achieved_gflops: float | None
    """gflop / median latency."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "path": self.path, "threads": self.threads, "delegate": self.delegate,
            "runs": self.runs, "latency_ms": self.latency_ms.to_dict(), "gflop": round(self.gflop, 4),
            "achieved_gflops": None if self.achieved_gflops is None else round(self.achieved_gflops, 3),
        }


def time_model(path: Path, threads: int, image: np.ndarray, runs: int, warmup: int, label: str) -> ModelTiming:
    """Latency of `runs` calls after `warmup` untimed ones (XNNPACK, `threads` threads)."""
    model = TFLiteModel(path, delegate="cpu", num_threads=threads)
    width, height = model.input_size
    if image.shape[:2] != (height, width):
        raise ValueError(f"bench image is {image.shape[1]}x{image.shape[0]}, {path.name} takes {width}x{height}")
    cost = model_cost(model)
    for _ in range(warmup):
        model.run(image)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        model.run(image)
        samples.append((time.perf_counter() - start) * 1000.0)
    latency = summarize(samples)
    gflop = cost.flops / 1e9
    achieved = gflop / (latency.p50 / 1000.0) if latency.p50 else None
    return ModelTiming(label, str(path), threads, model.delegate_description, runs, latency, gflop, achieved)
