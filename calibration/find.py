"""Find the board: its outer grid corners, size and lens distortion, from one image.

The search (`search`) works on a copy at most 640 pixels on its long side;
big images then get a last refinement on a finer copy. The lens model is
fitted to the whole board's lines, the fit is judged (enough intersections
seen, small misfit), and the lattice is re-indexed so its corners follow the
project's convention: clockwise from the one nearest the image's top-left.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from calibration.corner_model import CornerHeat, CornerModel
from calibration.corners import is_clockwise
from calibration.evidence import WORK_PX, LineEvidence, line_evidence
from calibration.grid import FitCache, GridContrast, GridObservation, Lattice, in_frame, refine
from calibration.guided import (
    PREFER_MARGIN,
    confirms,
    corner_heat,
    extends,
    heat_fits,
    placed_fit,
    same_board,
    seen_corners,
)
from calibration.lens import LensDistortion, estimate_distortion, straightness_residual
from calibration.search import best_search, relens
from edge.board.position import BOARD_SIZES
from edge.errors import BadInputError, NoBoardError

_OBSERVED_WEIGHT = 2.0
"""Weight of the crossings measured (0..1) against the heatmap's summed corner levels (0..4)
when fits of the board compete."""
_MAX_ERROR_SPACINGS = 0.12
"""A fit whose intersections miss by more than this (in grid spacings) is not a board."""
_MIN_OBSERVED = 0.35
"""Fraction of intersections that must be measured for the fit to count."""
_MIN_OBSERVED_CORNERS_SEEN = 0.15
"""The same where the corner finder sees the fit's four corners and the lines lie clearly on the
lattice (`GridContrast.is_clear`): blur, crowded stones or a hand leave few crossings measurable,
and the corners are evidence texture cannot fake. Faint lines pass only with next to nothing
between them: faint lines and lines between together let a wrong board in."""


_LEAST_SIDE_SHARE = 0.25
"""Shortest side of a fit's outline over its longest below which it is no board in view: a square
board seen 45 degrees from overhead keeps about half (the least over 2,600 renders: 0.45; over
the Imago photos: 0.66). A lattice refined from heatmap peaks that outline a sliver can squeeze
its lines together where other lines run, and measure enough crossings to pass."""


@dataclass(frozen=True)
class OtherBoard:
    """A board the lines also bear out, that the corner finder's heatmap ranked lower."""

    size: int
    corners: np.ndarray
    """(4, 2) outer grid corners in camera pixels, in the project's order."""
    lens: LensDistortion


@dataclass(frozen=True)
class BoardFit:
    size: int
    corners: np.ndarray
    """(4, 2) outer grid corners in camera pixels, clockwise from the one nearest the top-left."""
    lattice: Lattice
    """Lattice (col, row) -> undistorted pixels, (0, 0) at corners[0], col along corners[0]->corners[1]."""
    lens: LensDistortion
    error_px: float
    """RMS distance between fitted and observed intersections, image pixels."""
    observed_fraction: float
    """Fraction of the intersections that were measured."""
    straightness_before_px: float
    straightness_after_px: float
    image_size: tuple[int, int]
    """(width, height)."""
    line_points: tuple[np.ndarray, ...] = ()
    """Observed grid-line points, camera pixels (for previews)."""
    others: tuple[OtherBoard, ...] = ()
    """Other boards the lines bear out, best borne out first, where the heatmap had to choose: a
    hand over two corners leaves the heatmap its peaks elsewhere, and a reader with other
    evidence (the stones) may prefer one of these."""

    @property
    def spacing_px(self) -> float:
        return self.lattice.mean_spacing()


def find_board(
    image: np.ndarray, size: int | None = None, work_px: int = WORK_PX, corner_model: CornerModel | None = None,
    heat: CornerHeat | None = None,
) -> BoardFit:
    """Locate the board in a BGR (or grayscale) image. Raises NoBoardError, or BadInputError for a bad image/size.

    With a `corner_model`, where the line search found no board, or a board
    that neither looks clearly right nor has the corners the model sees, the
    fits of the board the model outlines compete with it (see `guided`). `heat`: the model's
    heatmap of this image, where the caller has it already.
    """
    if size is not None and size not in BOARD_SIZES:
        raise BadInputError(f"board size {size} is not one of {', '.join(map(str, BOARD_SIZES))}")
    if image is None or image.ndim not in (2, 3) or min(image.shape[:2]) < 32:
        raise BadInputError("image is empty or smaller than 32 pixels")
    sizes = (size,) if size is not None else BOARD_SIZES
    ev = line_evidence(image, work_px)
    w, h = ev.original_size
    lens0 = LensDistortion.none_for(w, h)
    if heat is None and corner_model is not None:
        heat = corner_model.heatmap(image)
    cache = FitCache()
    obs, lens, others = _best_fit(ev, lens0, sizes, heat, cache)
    if ev.scale < 1.0:
        # Big images: the last word goes to a finer copy, where the outer grid
        # line separates from the border line printed just outside it on many boards.
        ev = line_evidence(image, round(work_px * min(2.0, 1.0 / ev.scale)), with_segments=False)
        again = refine(ev, obs.lattice, lens, windows=(0.12, 0.08))
        if again is not None:
            obs = again
    # The lens is fitted again to the whole board's lines, now all measured.
    lens_fit = estimate_distortion(obs.line_points, lens0)
    if lens_fit.lens.k1 != lens.k1:
        lattice = relens(obs.lattice, obs.cols, obs.rows, lens, lens_fit.lens)
        again = refine(ev, lattice, lens_fit.lens, windows=(0.15, 0.08))
        if again is not None:
            obs, lens = again, lens_fit.lens
    _accept(obs, lens, ev.original_size, cache.of(ev, obs, lens), 0 if heat is None else seen_corners(obs, lens, heat))
    lattice = orient(obs.lattice, lens)
    corners = lens.distort_points(lattice.corners())
    return BoardFit(
        size=lattice.size,
        corners=corners,
        lattice=lattice,
        lens=lens,
        error_px=obs.error_px,
        observed_fraction=obs.observed_fraction,
        straightness_before_px=straightness_residual(obs.line_points, lens0),
        straightness_after_px=straightness_residual(obs.line_points, lens),
        image_size=(w, h),
        line_points=tuple(obs.line_points),
        others=tuple(
            OtherBoard(other.lattice.size, other_lens.distort_points(orient(other.lattice, other_lens).corners()), other_lens)
            for other, other_lens in others
        ),
    )


Fit = tuple[GridObservation, LensDistortion]


def _best_fit(
    ev: LineEvidence, lens0: LensDistortion, sizes: tuple[int, ...], heat: CornerHeat | None, cache: FitCache
) -> tuple[GridObservation, LensDistortion, list[Fit]]:
    """The line search's fit, or a fit of the board the heatmap outlines where the search's is in
    doubt; and the other boards that competed, best borne out first."""
    try:
        attempt = best_search(ev, lens0, sizes)
    except NoBoardError as exc:
        if heat is None:
            raise
        attempt, error = None, exc
    found = None if attempt is None else (attempt.obs, attempt.lens)
    attempt_good = attempt is not None and attempt.good
    if heat is None:
        return (*found, [])
    contrast_of = partial(cache.of, ev)
    if found is not None and confirms(*found, heat, sizes) and (
            attempt_good or _rejection(found[0], contrast_of(*found), 4, lenient=False) is None):
        return (*found, [])

    def is_board(obs: GridObservation, lens: LensDistortion) -> bool:
        return _rejection(obs, contrast_of(obs, lens), seen_corners(obs, lens, heat)) is None

    def support(obs: GridObservation, lens: LensDistortion) -> float:
        return _support(obs, contrast_of(obs, lens), lens, heat)

    # The heatmap does not see the search's board, or few of its crossings were measured: fit
    # the board the heatmap sees. Where the search's lines are clear, only its extent is in
    # doubt (a 9x9 part of a 13x13 grid): it competes with itself re-indexed to that board.
    # Of the fits that pass for a grid, the one best borne out.
    candidates = [
        (obs, lens) for obs, lens in heat_fits(ev, lens0, heat, sizes, found, cache, search_again=not attempt_good)
        if is_board(obs, lens)
    ]
    if not candidates:
        if found is None:
            raise error
        return (*found, [])
    scores = [support(*fit) for fit in candidates]
    best = int(np.argmax(scores))
    # The winner may have settled a line off (a lattice started from corners a spacing or so
    # off): moved to where the heatmap rates its corners highest, it competes once more.
    lens = candidates[best][1]
    placed = placed_fit(ev, candidates[best][0], lens, heat, sizes, cache)
    if placed is not None and is_board(placed, lens):
        candidates.append((placed, lens))
        scores.append(support(placed, lens))
        best = int(np.argmax(scores))
    chosen = candidates[best]
    if found is not None:
        # A hand over a board's middle can leave the search a 9x9 part of its grid nearly all of
        # whose crossings are measured, where the whole grid's are half hidden: a fit that goes on
        # along the same lines need not outrank it by the margin that a board elsewhere must.
        margin = 0.0 if extends(chosen[0], found[0]) else PREFER_MARGIN
        if same_board(chosen[0], found[0]) or scores[best] < support(*found) + margin:
            chosen = found
    others: list[Fit] = []
    for k in np.argsort(scores)[::-1]:
        fit = candidates[k]
        if not any(same_board(fit[0], kept[0]) for kept in [chosen, *others]):
            others.append(fit)
    return (*chosen, others)


def _support(obs: GridObservation, contrast: GridContrast, lens: LensDistortion, heat: CornerHeat) -> float:
    """How well a fit is borne out: the heatmap at its corners, and its crossings measured
    (a lattice a line off the board has a row with nothing to measure; a heatmap peak on a
    hand or a bowl pulls a fit's corner off the grid), discounted by the lines that lie
    between its own (a 9x9 lattice over a 13x13 board's outline measures every crossing)."""
    clean = 1.0 - contrast.between / max(contrast.seen, 1e-9)
    return corner_heat(obs, lens, heat) + _OBSERVED_WEIGHT * obs.observed_fraction * clean


def _accept(obs: GridObservation, lens: LensDistortion, image_size: tuple[int, int], contrast: GridContrast,
            corners_seen: int) -> None:
    """Raise NoBoardError where the fit chosen is no grid (`_rejection`), or runs past the frame: the
    board best borne out is cut off, and a part of it in view, whatever its lines, is no board."""
    reason = _rejection(obs, contrast, corners_seen)
    if reason is None and not in_frame(obs.lattice, lens, image_size):
        reason = "the grid's corners lie outside the image"
    if reason is not None:
        raise NoBoardError(f"no board found: {reason}")


def _rejection(obs: GridObservation, contrast: GridContrast, corners_seen: int, lenient: bool = True) -> str | None:
    """Why the fit is not a grid (an outline no board in view has, its lines not seen, or seen between
    the lattice's too), or None.
    `corners_seen`: how many of its corners the heatmap sees. `lenient`: few crossings measured
    will do where all four are seen and the lines clear."""
    corners = obs.lattice.corners()
    sides = np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)
    if not sides.min() >= _LEAST_SIDE_SHARE * sides.max():
        return f"its sides span {sides.min():.0f} to {sides.max():.0f} px, more skewed than a board in view"
    clear = lenient and corners_seen == 4 and contrast.is_clear()
    if obs.observed_fraction < (_MIN_OBSERVED_CORNERS_SEEN if clear else _MIN_OBSERVED):
        return f"only {obs.observed_fraction:.0%} of the grid intersections could be seen"
    if not obs.error_px <= _MAX_ERROR_SPACINGS * obs.lattice.mean_spacing():
        return f"the grid lines miss a regular lattice by {obs.error_px:.1f} px"
    if not contrast.is_grid(corners_seen, obs.observed_fraction):
        return f"lines on {contrast.seen:.0%} of the grid but also on {contrast.between:.0%} between"
    return None


def orient(lattice: Lattice, lens: LensDistortion) -> Lattice:
    """Re-index the lattice so corner (0,0) is nearest the image's top-left and the corners run clockwise."""
    m = lattice.size - 1.0
    lat_corners = np.array([[0.0, 0.0], [m, 0.0], [m, m], [0.0, m]])
    cam = lens.distort_points(lattice.map(lat_corners))
    if not is_clockwise(cam):
        # Swap the lattice axes: the same grid, traversed the other way round.
        lat_corners = lat_corners[[0, 3, 2, 1]]
        cam = cam[[0, 3, 2, 1]]
    start = int(np.argmin(np.hypot(cam[:, 0], cam[:, 1])))
    k0, k1, k3 = lat_corners[start], lat_corners[(start + 1) % 4], lat_corners[(start + 3) % 4]
    # New lattice coordinates (c', r') -> old: k0 + c'/m (k1 - k0) + r'/m (k3 - k0).
    t = np.array([[(k1 - k0)[0] / m, (k3 - k0)[0] / m, k0[0]], [(k1 - k0)[1] / m, (k3 - k0)[1] / m, k0[1]], [0, 0, 1.0]])
    g = lattice.homography @ t
    return Lattice(lattice.size, g / g[2, 2])
