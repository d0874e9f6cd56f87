"""The machine's measured peak arithmetic rate: a float32 matrix product through numpy's BLAS.

A large GEMM is the best case for a CPU (cache-blocked, fully vectorised, FMA
every cycle), so its rate is a practical ceiling for what the detector could
reach; `detector GFLOP/s / peak GFLOP/s` shows how far from it inference runs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from edge.bench.blas import blas_threads


@dataclass(frozen=True)
class PeakResult:
    n: int
    threads: int | None
    """BLAS threads for the product; None: the library's default."""
    best_s: float
    gflops: float
    """2 n^3 floating-point operations / best time, in 1e9 per second."""
    repeats: int
    threads_applied: bool
    """False when the thread count could not be set (not OpenBLAS)."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def peak_matmul_gflops(n: int = 2048, repeats: int = 5, threads: int | None = None, seed: int = 0) -> PeakResult:
    """Best of `repeats` timed `a @ b` on n x n float32 matrices (one untimed warm-up)."""
    if n < 1 or repeats < 1:
        raise ValueError("matrix size and repeats must be positive")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    with blas_threads(threads) as applied:
        np.matmul(a, b, out=out)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - start)
    best = max(best, 1e-9)
    return PeakResult(n, threads, best, 2.0 * n**3 / best / 1e9, repeats, applied)
