"""Latency summaries: percentiles of a list of samples."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Percentiles of samples in the unit they were given in (the callers use ms)."""

    n: int
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    def to_dict(self, digits: int = 3) -> dict[str, float | int | None]:
        return {k: (round(v, digits) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def summarize(samples: Iterable[float]) -> Summary:
    """Summary of `samples`; all fields but `n` are None when there are none."""
    values = np.asarray(list(samples), dtype=np.float64)
    if values.size == 0:
        return Summary(0, None, None, None, None, None)
    if not np.all(np.isfinite(values)):
        raise ValueError("latency samples must be finite")
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return Summary(int(values.size), float(values.mean()), float(p50), float(p95), float(p99), float(values.max()))
