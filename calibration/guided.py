"""Board fits that the corner finder's heatmap suggests, and how they are judged.

The line search (`search`) builds the board outwards from the lines it sees
and can stop short: stones, a hand, blur or wood grain hide the next line,
and it settles on a 9x9 or 13x13 part of a bigger grid, one line off, or on
no board. The corner finder (`corner_model`) sees the board as a whole but
places its corners only to a spacing or so. Three fits use it (`heat_fits`):
the search's own lattice re-indexed to the board the heatmap outlines
(`reframed_fit`) and to the board whose corners the heatmap rates highest
(`placed_fit`), the search run again from the heatmap's quadrilateral
(`search.quad_search`), and a lattice of each size started from the
heatmap's four corners, as they are and aligned as a whole on the lines
(`guided_fit`, `align`), also with one corner put where its neighbours' edge lines
meet (`complete`); each measures the lines again.
Where fits disagree, the heatmap decides, with the crossings each fit measured
(`calibration.find`): a fit whose corners the network does not see as corners
has the board's extent wrong.
"""

from __future__ import annotations

import cv2
import numpy as np

from calibration.align import align_corners
from calibration.complete import complete_corner
from calibration.corner_model import CornerHeat
from calibration.corners import is_convex_quad, order_corners
from calibration.evidence import LineEvidence
from calibration.grid import FitCache, GridContrast, GridObservation, Lattice, apply_homography, refine
from calibration.lens import LensDistortion
from calibration.search import quad_search
from edge.board.position import BOARD_SIZES
from edge.errors import NoBoardError

SEEN_LEVEL = 0.3
"""Heatmap level from which a fit's corner counts as seen by the corner finder."""
PEAK_LEVEL = 0.2
"""Heatmap level from which a peak is tried as a corner: lower than `SEEN_LEVEL`, since a
corner in shadow or half hidden peaks weakly, and the lines decide between the fits."""
_ALTERNATIVES = 2
"""How many peaks after the four strongest are tried in place of one of them: a bowl's or a
hand's edge sometimes outranks a corner."""
_REFRAME_MISFIT = 2.0
"""Grid spacings by which a heatmap corner may miss the re-indexed lattice's corner."""
PREFER_MARGIN = 0.6
"""How much higher (summed over the four corners) the heatmap must be at another
fit's corners than at the line search's for that fit to win, unless it extends the search's
lattice (`extends`)."""


def _corner_peaks(heat: CornerHeat) -> np.ndarray | None:
    """The heatmap's four corners, or None when fewer than four stand out."""
    points, levels = heat.peaks()
    return points if len(points) == 4 and levels.min() >= PEAK_LEVEL else None


def corner_quads(heat: CornerHeat, level: float = PEAK_LEVEL) -> list[np.ndarray]:
    """The four strongest peaks, then the sets with one of them replaced by one of the next
    peaks, each peak at `level` or more; none where fewer than four are."""
    points, levels = heat.peaks(4 + _ALTERNATIVES)
    if len(points) < 4 or levels[3] < level:
        return []
    quads = [points[:4]]
    for k in range(4, len(points)):
        if levels[k] < level:
            break
        for i in range(4):
            quad = points[:4].copy()
            quad[i] = points[k]
            quads.append(quad)
    return quads


def lattice_from_corners(corners: np.ndarray, size: int, lens: LensDistortion) -> Lattice:
    m = size - 1.0
    src = np.array([[0.0, 0.0], [m, 0.0], [m, m], [0.0, m]])
    h = cv2.getPerspectiveTransform(src.astype(np.float32), lens.undistort_points(corners).astype(np.float32))
    return Lattice(size, h / h[2, 2])


def heat_fits(
    ev: LineEvidence, lens0: LensDistortion, heat: CornerHeat, sizes: tuple[int, ...],
    found: tuple[GridObservation, LensDistortion] | None, cache: FitCache, search_again: bool = True,
) -> list[tuple[GridObservation, LensDistortion]]:
    """Fits of the board the heatmap outlines: the line search run again with the
    perspective taken from the heatmap's corners, each search's lattice (that and
    `found`, the first search's) re-indexed to the heatmap's board and placed where the
    heatmap rates its corners highest, and a lattice
    started from the heatmap's corners alone, or, where the heatmap does not see that
    lattice's corners, from each set of four peaks with one of the next peaks in place of
    one of the four strongest, and from the four with one corner placed where its
    neighbours' edge lines meet (`complete_corner`). Without `search_again`, `found` and
    its re-indexed lattice only: where its lines are clear, only its extent is in doubt."""
    points = _corner_peaks(heat)
    if points is None:
        return []
    searched = [] if found is None else [found]
    if search_again:
        try:
            searched.append((quad_search(ev, lens0, sizes, order_corners(points)), lens0))
        except NoBoardError:
            pass
    fits = list(searched)
    for obs, lens in searched:
        reframed = reframed_fit(ev, obs, lens, heat, points, sizes, cache)
        if reframed is not None:
            fits.append((reframed, lens))
        placed = placed_fit(ev, obs, lens, heat, sizes, cache)
        if placed is not None:
            fits.append((placed, lens))
    if not search_again:
        return fits
    guided = guided_fit(ev, lens0, heat, points, sizes, cache)
    if guided is not None:
        fits.append((guided, lens0))
    if guided is None or not sees_corners(guided, lens0, heat):
        outline = order_corners(points)
        completed = [complete_corner(ev, outline, i) for i in range(4)]
        for quad in corner_quads(heat)[1:] + [c for c in completed if c is not None]:
            alternative = guided_fit(ev, lens0, heat, quad, sizes, cache)
            if alternative is not None:
                fits.append((alternative, lens0))
    return fits


def guided_fit(
    ev: LineEvidence, lens: LensDistortion, heat: CornerHeat, points: np.ndarray, sizes: tuple[int, ...],
    cache: FitCache,
) -> GridObservation | None:
    """The best grid fit started from the heatmap's four corners `points`, or None when they make no board.

    Each size starts twice: from the corners as they are, and from them aligned on the
    lines (`align_corners`), since refinement needs a start within a third of a spacing
    and the corners are often half a spacing off; on some boards the alignment pulls a
    corner along an edge instead, and the corners as they are do better."""
    quad = order_corners(points)
    if not is_convex_quad(quad):
        return None
    best: tuple[float, GridObservation] | None = None
    for n in sizes:
        aligned = lattice_from_corners(align_corners(ev, quad, n, lens), n, lens)
        for start, windows in ((lattice_from_corners(quad, n, lens), (0.35, 0.2, 0.12)), (aligned, (0.2, 0.12))):
            obs = refine(ev, start, lens, windows=windows)
            if obs is None or obs.lattice.size != n:
                continue
            contrast = cache.of(ev, obs, lens)
            if not _passes_for_grid(contrast, obs, lens, heat):
                continue
            # Lines counted, not their share: a 9x9 lattice on a 13x13 board's outline has
            # every other line on the board's, and on a crowded board shows the same share.
            score = n * (contrast.seen - obs.error_px / max(obs.lattice.mean_spacing(), 1e-9)) - (n - 1) * contrast.between
            if best is None or score > best[0]:
                best = (score, obs)
    return None if best is None else best[1]


def reframed_fit(
    ev: LineEvidence, obs: GridObservation, lens: LensDistortion, heat: CornerHeat, points: np.ndarray,
    sizes: tuple[int, ...], cache: FitCache,
) -> GridObservation | None:
    """The line search's lattice re-indexed to the board whose corners the heatmap shows.

    The search's lattice is exact where it has measured lines, but its extent
    can be wrong (a 9x9 part of a 19x19 grid, or one line off); the heatmap's
    corners are a spacing or so off, but they outline the whole board. In the
    lattice's own coordinates each corner lands near an integer point: the
    board size and first line whose four corners lie nearest them win.
    """
    lat = apply_homography(np.linalg.inv(obs.lattice.homography), lens.undistort_points(points))
    if not np.all(np.isfinite(lat)):
        return None
    total, diff = lat.sum(axis=1), lat[:, 0] - lat[:, 1]
    # Roles by position along the diagonals: (0,0), (n-1,0), (n-1,n-1), (0,n-1).
    roles = [int(np.argmin(total)), int(np.argmax(diff)), int(np.argmax(total)), int(np.argmin(diff))]
    if len(set(roles)) < 4:
        return None
    quad = lat[roles]
    best: tuple[float, GridObservation] | None = None
    for n in sizes:
        m = n - 1.0
        unit = np.array([[0.0, 0.0], [m, 0.0], [m, m], [0.0, m]])
        start = np.rint((quad - unit).mean(axis=0))
        misfit = float(np.linalg.norm(quad - unit - start, axis=1).max())
        if misfit > _REFRAME_MISFIT:
            continue
        # The search's own board needs no measuring again.
        same = n == obs.lattice.size and not start.any()
        again = obs if same else refine(ev, obs.lattice.shifted(int(start[0]), int(start[1]), n), lens,
                                        windows=(0.3, 0.2, 0.12))
        if again is None or not _passes_for_grid(cache.of(ev, again, lens), again, lens, heat):
            continue
        # The size whose corners the heatmap's meet best.
        if best is None or misfit < best[0]:
            best = (misfit, again)
    return None if best is None else best[1]


def placed_fit(
    ev: LineEvidence, obs: GridObservation, lens: LensDistortion, heat: CornerHeat, sizes: tuple[int, ...],
    cache: FitCache,
) -> GridObservation | None:
    """A fit's lattice (the line search's, or the competition's winner) extended or moved a line to
    the board whose corners the heatmap rates highest, or None when that makes no grid.

    Unlike `reframed_fit` it needs no heatmap peak at each corner: a corner under a hand or
    among crowded stones peaks weakly, a peak on a bowl outranks it, and the peaks then
    outline no board, while the heatmap summed over the four true corners mostly still outscores
    every other placement's. Read between cells, since on a far board the next placement's
    corners lie within the cell the true ones do. Once per fit (`cache`): the line search's fit,
    placed among the heatmap's fits, often wins and is placed once more."""

    def placed() -> GridObservation | None:
        place = best_placement(obs, lens, heat, sizes)
        # Where that is the fit's own board, the fit stands for it already.
        if place is None or place == (0, 0, obs.lattice.size):
            return None
        again = refine(ev, obs.lattice.shifted(*place), lens, windows=(0.3, 0.2, 0.12))
        if again is None or not _passes_for_grid(cache.of(ev, again, lens), again, lens, heat):
            return None
        return again

    return cache.get("placed", ev, obs, lens, placed)


def best_placement(
    obs: GridObservation, lens: LensDistortion, heat: CornerHeat, sizes: tuple[int, ...]
) -> tuple[int, int, int] | None:
    """(first column, first row, size) of the board containing the fit's lattice, or the lattice
    moved a line, whose corners the heatmap rates highest (read between cells)."""
    m = obs.lattice.size
    places = [(c0, r0, n) for n in sizes if n >= m for c0 in range(-(n - m) - 1, 2) for r0 in range(-(n - m) - 1, 2)]
    if not places:
        return None
    # Every placement's four corners in the lattice's own coordinates, read in one pass.
    c0, r0, last = (np.array(v, np.float64) for v in zip(*places))
    last -= 1.0
    corners = np.stack([np.stack(xy, axis=-1) for xy in
                        ((c0, r0), (c0 + last, r0), (c0 + last, r0 + last), (c0, r0 + last))], axis=1)
    levels = heat.value_at(lens.distort_points(obs.lattice.map(corners.reshape(-1, 2)))).reshape(-1, 4).sum(axis=1)
    return places[int(np.argmax(levels))]


def corner_heat(obs: GridObservation, lens: LensDistortion, heat: CornerHeat) -> float:
    """Summed heatmap level at a fit's four outer corners (0..4), each the highest within half the
    spacing a 19x19 grid would have on the fit's outline: fits a line apart compete, and the next
    line's corner must not count as this one; fits of one outline read it alike, whatever their size."""
    finest = obs.lattice.mean_spacing() * (obs.lattice.size - 1) / (max(BOARD_SIZES) - 1)
    return float(heat.level_at(lens.distort_points(obs.lattice.corners()), reach_px=finest / 2.0).sum())


def seen_corners(obs: GridObservation, lens: LensDistortion, heat: CornerHeat) -> int:
    """How many of a fit's four outer corners the heatmap confirms (a level within a cell of each)."""
    return int((heat.level_at(lens.distort_points(obs.lattice.corners())) >= SEEN_LEVEL).sum())


def _passes_for_grid(contrast: GridContrast, obs: GridObservation, lens: LensDistortion, heat: CornerHeat) -> bool:
    """`GridContrast.is_grid` for a fit, with the corners the heatmap sees and the crossings it measured."""
    return contrast.is_grid(seen_corners(obs, lens, heat), obs.observed_fraction)


def sees_corners(obs: GridObservation, lens: LensDistortion, heat: CornerHeat) -> bool:
    """Whether the heatmap confirms all four of a fit's outer corners."""
    return seen_corners(obs, lens, heat) == 4


def confirms(obs: GridObservation, lens: LensDistortion, heat: CornerHeat, sizes: tuple[int, ...]) -> bool:
    """Whether the heatmap sees the search's board: its four corners, and no other placement of its
    lattice rated higher (on a far board the corners a line off lie within the same cells)."""
    return sees_corners(obs, lens, heat) and best_placement(obs, lens, heat, sizes) == (0, 0, obs.lattice.size)


def extends(a: GridObservation, b: GridObservation) -> bool:
    """Whether fit `a` is a bigger board on `b`'s lattice: `b`'s corners within a third of a spacing
    of points of `a`'s grid. Then the two do not place different boards but end one grid at
    different lines, and `a`'s lines, measured beyond `b`'s edges, say that it goes on."""
    if a.lattice.size <= b.lattice.size:
        return False
    at = apply_homography(np.linalg.inv(a.lattice.homography), b.lattice.corners())
    points = np.rint(at)
    return bool(np.all(np.isfinite(at)) and np.abs(at - points).max() < 1.0 / 3.0
                and np.all(points >= 0.0) and np.all(points <= a.lattice.size - 1.0))


def same_board(a: GridObservation, b: GridObservation) -> bool:
    """Whether two fits put the same-size board in the same place (corners within a third of a spacing)."""
    if a.lattice.size != b.lattice.size:
        return False
    ca, cb = a.lattice.corners(), b.lattice.corners()
    spacing = min(a.lattice.mean_spacing(), b.lattice.mean_spacing())
    offs = [np.abs(np.roll(ca, k, axis=0) - cb).max() for k in range(4)]
    offs += [np.abs(np.roll(ca[::-1], k, axis=0) - cb).max() for k in range(4)]
    return min(offs) < spacing / 3.0
