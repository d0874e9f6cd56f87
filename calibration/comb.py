"""One direction of the grid as a comb: evenly spaced lines along one axis.

Once perspective is removed, the lines of one family sit at `origin + k *
spacing`. The spacing is the strongest period of the line positions (their
autocorrelation), the phase their circular mean for that period, and a
weighted line fit over the assigned indices polishes both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BIN = 0.5
"""Histogram bin (rectified pixels) for the autocorrelation."""


@dataclass(frozen=True)
class Comb:
    origin: float
    """Position of line index 0."""
    spacing: float
    first: int
    """Lowest line index that has any evidence."""
    support: np.ndarray
    """Evidence (summed segment length) for indices `first, first + 1, ...`."""

    def position(self, k: float) -> float:
        return self.origin + k * self.spacing


def fit_comb(
    positions: np.ndarray, weights: np.ndarray, min_spacing: float, max_spacing: float
) -> Comb | None:
    if len(positions) < 3:
        return None
    lo, hi = float(positions.min()), float(positions.max())
    if hi - lo < 2 * min_spacing:
        return None
    nbins = int((hi - lo) / _BIN) + 1
    hist = np.bincount(((positions - lo) / _BIN).astype(np.int64), weights, minlength=nbins)
    # Smooth by a pixel or so: the same line seen as several segments jitters by that much.
    kern = np.exp(-0.5 * (np.arange(-6, 7) * _BIN / 0.8) ** 2)
    hist = np.convolve(hist, kern, mode="same")
    size = 1 << int(np.ceil(np.log2(2 * nbins)))
    spec = np.fft.rfft(hist, size)
    auto = np.fft.irfft(spec * np.conj(spec), size)[:nbins]
    lag_lo = max(2, int(np.ceil(min_spacing / _BIN)))
    lag_hi = min(nbins - 1, int(max_spacing / _BIN))
    if lag_hi <= lag_lo + 2:
        return None
    window = auto[lag_lo : lag_hi + 1]
    peaks = np.flatnonzero((window[1:-1] >= window[:-2]) & (window[1:-1] > window[2:])) + 1
    if len(peaks) == 0:
        return None
    best = int(peaks[np.argmax(window[peaks])])
    # A comb of period s also correlates at 2s, 3s, ... a little less, and when
    # every other line is faint (far side of a tilted board) 2s can come out on
    # top. A clear peak near a half or a third of the winner is the fundamental.
    for divisor in (3, 2):
        lag = lag_lo + best
        near = peaks[np.abs((lag_lo + peaks) * divisor - lag) <= max(2, 0.08 * lag)]
        if len(near):
            cand = int(near[np.argmax(window[near])])
            if window[cand] >= 0.5 * window[best]:
                best = cand
                break
    spacing = (lag_lo + best) * _BIN
    # Parabolic peak interpolation for a sub-bin spacing.
    y0, y1, y2 = window[best - 1], window[best], window[best + 1]
    denom = y0 - 2 * y1 + y2
    if denom < 0:
        spacing += 0.5 * (y0 - y2) / denom * _BIN
    phase = np.angle(np.sum(weights * np.exp(2j * np.pi * positions / spacing)))
    origin = phase / (2 * np.pi) * spacing
    for tol in (0.3, 0.2):
        k = np.round((positions - origin) / spacing)
        res = positions - (origin + k * spacing)
        use = np.abs(res) < tol * spacing
        if use.sum() < 3 or len(np.unique(k[use])) < 2:
            return None
        w = weights[use]
        a = np.stack([np.ones(use.sum()), k[use]], axis=1) * np.sqrt(w)[:, None]
        sol = np.linalg.lstsq(a, positions[use] * np.sqrt(w), rcond=None)[0]
        origin, spacing = float(sol[0]), float(sol[1])
        if spacing <= 0:
            return None
    k = np.round((positions - origin) / spacing).astype(np.int64)
    res = positions - (origin + k * spacing)
    use = np.abs(res) < 0.2 * spacing
    if not use.any():
        return None
    first = int(k[use].min())
    support = np.bincount(k[use] - first, weights[use])
    return Comb(origin, spacing, first, support)


@dataclass(frozen=True)
class Run:
    start: int
    """Index of the run's first line."""
    size: int
    valid: bool
    """Edge lines present, most inner lines present, no strong line just outside."""
    score: float
    plausible: bool = False
    """As `valid` but with only half the inner lines present: a crowded board."""


def best_windows(comb: Comb, sizes: tuple[int, ...]) -> dict[int, Run]:
    """For each board size, the run of that many comb lines best explained by the evidence."""
    return choose_runs(comb.support, comb.first, sizes)


def choose_runs(
    support: np.ndarray,
    first: int,
    sizes: tuple[int, ...],
    floor: float = 0.0,
    bands: np.ndarray | None = None,
) -> dict[int, Run]:
    """For each size n, the run of n consecutive lines that looks most like a board.

    `support[i]` is the evidence for line `first + i`. A board's run has its two
    edge lines clearly present (stones rarely hide a whole edge line), most
    lines inside present (stones do hide inner ones), and no line of the same
    spacing just beyond it (wood, then the table).

    `bands[i]`, when given, is the evidence for the crossing lines between line
    `first + i` and the next: crossing lines run the whole board and stop at
    its edge lines, so a run must have them inside and not just outside. That
    tells the outermost grid line from a look-alike such as the board's own
    edge one spacing further out.
    """
    if len(support) == 0:
        return {}
    typical = max(float(np.median(np.sort(support)[-min(len(support), 9):])), floor, 1e-9)
    rel = support / typical
    if bands is not None:
        band_typical = max(float(np.median(np.sort(bands)[-min(len(bands), 9):])), floor, 1e-9)
        band_rel = bands / band_typical

    def at(k: int) -> float:
        i = k - first
        return float(rel[i]) if 0 <= i < len(rel) else 0.0

    def band(k: int) -> float:
        i = k - first
        return float(band_rel[i]) if bands is not None and 0 <= i < len(band_rel) else 0.0

    out: dict[int, Run] = {}
    for n in sizes:
        best: Run | None = None
        for start in range(first - 1, first + max(len(support) - n, 0) + 2):
            inside = np.array([at(k) for k in range(start, start + n)])
            outside = max(at(start - 1), at(start + n))
            present = inside >= 0.2
            edges = inside[0] >= 0.35 and inside[-1] >= 0.35
            clear = outside < 0.5 * min(inside[0], inside[-1]) + 0.1
            score = float(np.minimum(inside, 1.5).sum() - 2.0 * n * outside / 19.0)
            if bands is not None:
                inner = np.array([band(k) for k in range(start, start + n - 1)])
                beyond = max(band(start - 1), band(start + n - 1))
                # Stones along an edge line can hide it; crossing lines that run
                # up to it and stop there still mark the edge.
                edges = all(
                    line >= 0.35 or (line >= 0.1 and inn >= 0.5 and out < 0.3)
                    for line, inn, out in (
                        (inside[0], inner[0], band(start - 1)),
                        (inside[-1], inner[-1], band(start + n - 1)),
                    )
                )
                # A strong parallel line just beyond is another grid line only if
                # crossing lines reach it; the board's own edge or a shadow one
                # spacing out is not.
                limit = 0.5 * max(min(inside[0], inside[-1]), 0.5) + 0.1
                clear = all(
                    line < limit or out < 0.3
                    for line, out in ((at(start - 1), band(start - 1)), (at(start + n), band(start + n - 1)))
                )
                # Crossing lines can be too faint to see in part of the image
                # (blur, glare), so only crossing lines clearly continuing past
                # an edge, about as strong as just inside it, rule a run out.
                spill = [(band(start - 1), inner[0]), (band(start + n - 1), inner[-1])]
                clear = clear and not any(out >= 0.5 and out >= 0.75 * inn for out, inn in spill)
                score += float(np.minimum(inner, 1.5).sum() - 2.0 * n * beyond / 19.0)
            valid = bool(edges and clear and present.mean() >= 0.8)
            plausible = bool(edges and clear and present.mean() >= 0.5)
            run = Run(start, n, valid, score, plausible)
            if best is None or (run.valid, run.plausible, run.score) > (best.valid, best.plausible, best.score):
                best = run
        if best is not None:
            out[n] = best
    return out


def pick_size(runs: list[dict[int, Run]], sizes: tuple[int, ...]) -> int:
    """The board size the runs of both axes agree on best.

    Largest size valid on both axes; else valid on one and plausible on the
    other (stones crowd one direction's lines); else plausible on both; else
    the best-scoring.
    """
    def level(n: int) -> int:
        return agreement_level(runs, n) if all(n in r for r in runs) else -1

    best = max(level(n) for n in sizes)
    if best > 0:
        return max(n for n in sizes if level(n) == best)
    return max(sizes, key=lambda n: min((r[n].score / n if n in r else -1e9) for r in runs))


def agreement_level(runs: list[dict[int, Run]], n: int) -> int:
    """3: valid on both axes, 2: valid and plausible, 1: plausible on both, 0: neither."""
    valid = sum(r[n].valid for r in runs)
    plausible = sum(r[n].plausible for r in runs)
    return 3 if valid == len(runs) else 2 if valid and plausible == len(runs) else 1 if plausible == len(runs) else 0
