"""The search for the board's lattice in the line evidence.

1. Two families of segments and their vanishing points (`families`); with
   the perspective removed, each family is a comb of uniform spacing
   (`comb`). Its strongest run of lines is the core.
2. Refine the core against the line evidence (`grid`); if the comb caught
   only every second or third line, subdivide.
3. Grow line by line while the next lines are clearly there, fitting the
   lens to the lines found so far when they bend.
4. Choose the run of 9, 13 or 19 lines on each axis that looks like a board:
   edge lines present, crossing lines stopping at them, wood beyond.

Several attempts (RANSAC seeds, segment detection settings) are made until
one is clearly right; the best is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from calibration.comb import Comb, Run, agreement_level, best_windows, choose_runs, fit_comb, pick_size
from calibration.evidence import LineEvidence, with_other_segments
from calibration.families import crossings, find_families, rectifying_homography
from calibration.grid import GridObservation, Lattice, apply_homography, coverage, hits, refine
from calibration.lens import LensDistortion, estimate_distortion
from edge.board.position import BOARD_SIZES
from edge.errors import NoBoardError


@dataclass(frozen=True)
class Attempt:
    obs: GridObservation
    level: int
    """How board-like the chosen runs of lines are (`agreement_level`, 0..3)."""
    lens: LensDistortion

    @property
    def quality(self) -> float:
        """Higher is better: lines seen where the lattice puts them, small misfit, a board-like extent."""
        cover = float(np.mean(np.concatenate(self.obs.coverage)))
        rel_error = self.obs.error_px / max(self.obs.lattice.mean_spacing(), 1e-9)
        return cover - 4.0 * rel_error + 0.1 * self.level

    @property
    def good(self) -> bool:
        return self.level == 3 and self.quality >= 0.75


# Seed for the vanishing-point RANSAC, and how to find segments (see
# `with_other_segments`). The first suits most frames and is cheapest; the
# others are tried only while no attempt looks clearly right.
_ATTEMPTS = (
    (0, "normal", False),
    (0, "normal", True),
    (1, "faint", True),
    (2, "coarse", False),
    (3, "faint", False),
)

_QUAD_ATTEMPTS = (("normal", False), ("coarse", False))
"""Segments for the search from a quadrilateral: as first found, then for lines blurred wide."""


def best_search(ev: LineEvidence, lens: LensDistortion, sizes: tuple[int, ...]) -> Attempt:
    """Search until an attempt looks clearly right, else keep the best; NoBoardError when none works."""
    best: Attempt | None = None
    error: NoBoardError | None = None
    for seed, kind, fine in _ATTEMPTS:
        source = _with_segments(ev, kind, fine)
        try:
            attempt = _search(source, lens, sizes, _initial_lattice(source, sizes, seed))
        except NoBoardError as exc:
            error = error or exc
            continue
        if best is None or attempt.quality > best.quality:
            best = attempt
        if attempt.good:
            break
    if best is None:
        raise error or NoBoardError("no board found")
    return best


def _with_segments(ev: LineEvidence, kind: str, fine: bool) -> LineEvidence:
    return with_other_segments(ev, kind, fine) if (kind != "normal" or fine) else ev


def quad_search(ev: LineEvidence, lens: LensDistortion, sizes: tuple[int, ...], quad: np.ndarray) -> GridObservation:
    """The search, started from a quadrilateral roughly on the board's outer lines (original
    pixels), with segments found each way in turn until one gives a board."""
    error: NoBoardError | None = None
    for kind, fine in _QUAD_ATTEMPTS:
        source = _with_segments(ev, kind, fine)
        try:
            return _search(source, lens, sizes, _quad_lattice(source, quad, sizes)).obs
        except NoBoardError as exc:
            error = error or exc
    raise error or NoBoardError("no board found")


def _search(
    ev: LineEvidence, lens: LensDistortion, sizes: tuple[int, ...], initial: tuple[Lattice, np.ndarray, np.ndarray]
) -> Attempt:
    """From a core of lines that surely belong to the board, grow to the whole board, then pick its size."""
    lattice, cols, rows = initial
    obs = refine(ev, lattice, lens, cols=cols, rows=rows)
    if obs is None:
        raise NoBoardError("no board found: the grid lines do not line up")
    finer = _subdivide(ev, obs, lens)
    if finer is not None:
        again = refine(ev, finer[0], lens, windows=(0.25, 0.15), cols=finer[1], rows=finer[2])
        if again is not None:
            obs = again
    limit = max(sizes) + 2
    base = lens
    for lens_round in range(2):
        for _ in range(8):
            grown = _grow(ev, obs, lens, limit)
            if grown is None:
                break
            again = refine(ev, obs.lattice, lens, windows=(0.2,), cols=grown[0], rows=grown[1])
            if again is None:
                break
            obs = again
        if lens_round == 1:
            break
        # A wide-angle lens bends the lines enough to stop the growth part way:
        # fit the lens to the lines found so far and grow again with it.
        fitted = estimate_distortion(obs.line_points, base).lens
        if fitted.is_identity:
            break
        again = refine(ev, relens(obs.lattice, obs.cols, obs.rows, lens, fitted), fitted,
                       windows=(0.2,), cols=obs.cols, rows=obs.rows)
        if again is None:
            break
        obs, lens = again, fitted
    runs = _extent_runs(ev, obs, lens, sizes)
    n = pick_size(runs, sizes)
    board = obs.lattice.shifted(runs[0][n].start, runs[1][n].start, n)
    final = refine(ev, board, lens, windows=(0.2, 0.12))
    if final is None:
        raise NoBoardError("no board found: the grid lines do not line up")
    return Attempt(final, agreement_level(runs, n), lens)


def _subdivide(
    ev: LineEvidence, obs: GridObservation, lens: LensDistortion
) -> tuple[Lattice, np.ndarray, np.ndarray] | None:
    """When segments were found on only every second or third line, the comb's
    period is a multiple of the true spacing; lines midway between the measured
    ones then show up as clearly as the measured ones. None when they do not."""
    ranges = [obs.cols, obs.rows]
    factors = [1, 1]
    for axis in (0, 1):
        idx = ranges[axis].astype(np.float64)
        other = ranges[1 - axis]
        t = (float(other.min()), float(other.max()))
        cands = [np.concatenate([idx[:-1] + j / f for j in range(1, f)]) for f in (2, 3)]
        # One measurement for the lines themselves and both kinds of in-between lines.
        cov = coverage(ev, obs.lattice, lens, np.concatenate([idx, *cands]), axis, t, half_window=0.1)
        whole = float(np.mean(cov[: len(idx)]))
        half = float(np.mean(cov[len(idx) : len(idx) + len(cands[0])]))
        third = float(np.mean(cov[len(idx) + len(cands[0]) :]))
        if whole > 0 and half > 0.5 * whole:
            factors[axis] = 2
        elif whole > 0 and third > 0.5 * whole:
            factors[axis] = 3
    if factors == [1, 1]:
        return None
    g = obs.lattice.homography @ np.diag([1.0 / factors[0], 1.0 / factors[1], 1.0])
    cols = np.arange(obs.cols.min() * factors[0], obs.cols.max() * factors[0] + 1)
    rows = np.arange(obs.rows.min() * factors[1], obs.rows.max() * factors[1] + 1)
    return Lattice(obs.lattice.size, g), cols, rows


def _extent_runs(ev: LineEvidence, obs: GridObservation, lens: LensDistortion, sizes: tuple[int, ...]) -> list[dict[int, Run]]:
    """Candidate runs of board lines on each axis, judged by the lines and by the crossing lines between them."""
    measured = [obs.cols, obs.rows]
    # Room for the largest board even where stones stopped the growth early.
    margins = [min(8, max(2, max(sizes) - len(m))) for m in measured]
    ranges = [np.arange(m.min() - k, m.max() + k + 1) for m, k in zip(measured, margins)]
    seen = []
    for axis in (0, 1):
        other = ranges[1 - axis]
        seen.append(hits(ev, obs.lattice, lens, ranges[axis], axis, (float(other.min()), float(other.max()))))
    runs = []
    for axis in (0, 1):
        own, along = seen[axis]
        other_lo, other_hi = measured[1 - axis].min(), measured[1 - axis].max()
        within = (along >= other_lo) & (along <= other_hi)
        line_cov = own[:, within].mean(axis=1)
        # Bands between this axis' lines, from the crossing lines' hits there.
        cross, cross_along = seen[1 - axis]
        cross_lines = (ranges[1 - axis] >= other_lo) & (ranges[1 - axis] <= other_hi)
        cell = np.floor(cross_along).astype(np.int64)
        bands = np.array([cross[cross_lines][:, cell == k].mean() if np.any(cell == k) else 0.0 for k in ranges[axis]])
        runs.append(choose_runs(line_cov, int(ranges[axis][0]), sizes, floor=0.3, bands=bands))
    return runs


_PRESENT = 0.3
"""Coverage from which a line counts as part of the grid when growing."""


def _grow(ev: LineEvidence, obs: GridObservation, lens: LensDistortion, limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Extend the measured ranges by the adjacent lines that are clearly there; None when nothing grows."""
    ranges = [obs.cols, obs.rows]
    out = []
    changed = False
    for axis in (0, 1):
        idx = ranges[axis]
        other = ranges[1 - axis]
        lo, hi = int(idx.min()), int(idx.max())
        reach = 7
        probe = np.concatenate([np.arange(lo - reach, lo), np.arange(hi + 1, hi + reach + 1)])
        cov = coverage(ev, obs.lattice, lens, probe, axis, (float(other.min()), float(other.max())))
        # Stones can hide most of an inner line; step over up to two weak lines
        # when a clear one lies beyond them.
        new_lo = _reach(lo, cov[reach - 1 :: -1], -1, limit - (hi - lo + 1))
        new_hi = _reach(hi, cov[reach:], +1, limit - (hi - new_lo + 1))
        changed |= (new_lo, new_hi) != (lo, hi)
        out.append(np.arange(new_lo, new_hi + 1))
    return (out[0], out[1]) if changed else None


def _reach(edge: int, cov_outward: np.ndarray, direction: int, room: int) -> int:
    """The farthest line outward from `edge` that is clearly present, with at most two weak lines before it."""
    best = edge
    weak = 0
    for step, c in enumerate(cov_outward, start=1):
        if step > room:
            break
        if c >= _PRESENT:
            best = edge + direction * step
            weak = 0
        else:
            weak += 1
            if weak > 2:
                break
    return best


def _initial_lattice(ev: LineEvidence, sizes: tuple[int, ...], seed: int) -> tuple[Lattice, np.ndarray, np.ndarray]:
    """A lattice from the vanishing points and combs, indexed by comb line, and a core of its lines."""
    shape = ev.gray.shape
    fams = find_families(ev.segments, shape, seed)
    if fams is None:
        raise NoBoardError("no board found: no two families of straight lines in view")
    rect = rectifying_homography(fams[0], fams[1], shape)
    if rect is None:
        raise NoBoardError("no board found: the lines in view do not form a plane grid")
    combs = [_comb(ev, rect, f.segments, f.trust, axis) for axis, f in enumerate(fams)]
    if combs[0] is None or combs[1] is None:
        raise NoBoardError("no board found: no evenly spaced lines in view")
    return _comb_lattice(ev, rect, combs[0], combs[1], sizes)


_QUAD_FAMILY_ANGLE = np.deg2rad(12.0)
"""How far from the rectified axes a segment may run and still count as a grid line."""


def _quad_lattice(ev: LineEvidence, quad: np.ndarray, sizes: tuple[int, ...]) -> tuple[Lattice, np.ndarray, np.ndarray]:
    """Like `_initial_lattice`, with the perspective taken from a quadrilateral roughly on the
    board's outer lines (the corner finder's) instead of from vanishing points: the combs then
    find the spacing and the lines themselves, so the corners need only be about right.

    The quadrilateral is rectified to a square, so both directions share one spacing: where
    one family left no segments (motion blur along it), its comb is the other's, starting
    at the square's edge.
    """
    side = float(max(ev.gray.shape))
    square = np.array([[0.0, 0.0], [side, 0.0], [side, side], [0.0, side]], np.float32)
    rect = cv2.getPerspectiveTransform((np.asarray(quad) * ev.scale).astype(np.float32), square)
    a = apply_homography(rect, ev.segments[:, :2])
    b = apply_homography(rect, ev.segments[:, 2:])
    angle = np.arctan2(np.abs(b[:, 1] - a[:, 1]), np.abs(b[:, 0] - a[:, 0]))
    trust = np.clip(crossings(ev.segments) / 3.0, 0.02, 1.0)
    vertical = angle > np.pi / 2 - _QUAD_FAMILY_ANGLE
    horizontal = angle < _QUAD_FAMILY_ANGLE
    families = [(ev.segments[vertical], trust[vertical]), (ev.segments[horizontal], trust[horizontal])]
    combs = [_comb(ev, rect, segments, trust, axis) for axis, (segments, trust) in enumerate(families)]
    if combs[0] is None and combs[1] is None:
        raise NoBoardError("no board found: no evenly spaced lines in view")
    for axis in (0, 1):
        other = combs[1 - axis]
        if combs[axis] is None and other is not None:
            lines = int(round(side / other.spacing)) + 1
            combs[axis] = Comb(0.0, other.spacing, 0, np.full(lines, float(np.median(other.support))))
    return _comb_lattice(ev, rect, combs[0], combs[1], sizes)


def _comb(ev: LineEvidence, rect: np.ndarray, segments: np.ndarray, trust: np.ndarray, axis: int) -> Comb | None:
    """The comb of one family's segments in the rectified plane `rect` (working pixels ->
    a plane where the first family runs vertical, the second horizontal)."""
    long_side = float(max(ev.gray.shape))
    a = apply_homography(rect, segments[:, :2])
    b = apply_homography(rect, segments[:, 2:])
    pos = (a[:, axis] + b[:, axis]) / 2.0
    weight = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1]) * trust
    keep = np.isfinite(pos) & np.isfinite(weight) & (np.abs(pos) < 4 * long_side)
    return fit_comb(pos[keep], weight[keep], 4.0, long_side / 6.0)


def _comb_lattice(
    ev: LineEvidence, rect: np.ndarray, cu: Comb, cv: Comb, sizes: tuple[int, ...]
) -> tuple[Lattice, np.ndarray, np.ndarray]:
    """The lattice two combs in the rectified plane `rect` make, and the core of lines to start from."""
    core_sizes = tuple(sorted(set(sizes) | {min(BOARD_SIZES)}))
    runs = [best_windows(c, core_sizes) for c in (cu, cv)]
    n = pick_size(runs, core_sizes)
    to_rect = np.array([[cu.spacing, 0.0, cu.origin], [0.0, cv.spacing, cv.origin], [0.0, 0.0, 1.0]])
    to_original = np.diag([1.0 / ev.scale, 1.0 / ev.scale, 1.0])
    g = to_original @ np.linalg.inv(rect) @ to_rect
    lattice = Lattice(max(sizes), g / g[2, 2])
    return lattice, np.arange(runs[0][n].start, runs[0][n].start + n), np.arange(runs[1][n].start, runs[1][n].start + n)


def relens(
    lattice: Lattice, cols: np.ndarray, rows: np.ndarray, old: LensDistortion, new: LensDistortion
) -> Lattice:
    """The lattice that puts the grid where `lattice` did, in the undistorted frame of another lens model."""
    cc, rr = np.meshgrid(cols.astype(np.float64), rows.astype(np.float64))
    lat = np.stack([cc, rr], axis=-1).reshape(-1, 2)
    target = new.undistort_points(old.distort_points(lattice.map(lat)))
    h, _ = cv2.findHomography(lat, target, 0)
    if h is None:
        return lattice
    return Lattice(lattice.size, h / h[2, 2])
