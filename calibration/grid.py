"""The board lattice and its fit to the observed grid lines.

A `Lattice` maps lattice coordinates (col, row) -- integers on the grid
intersections -- to undistorted image pixels by one homography. Refinement
samples the line evidence across each predicted grid line, finds where the
real line is, fits a straight line to those points, intersects the fitted lines
and re-fits the homography to the intersections. The grid-fit error is the RMS
pixel distance between the lattice's intersections and those observed ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar, cast

import cv2
import numpy as np

from calibration.evidence import LineEvidence
from calibration.lens import LensDistortion

_MIN_COVERAGE = 0.2
"""A grid line is measured when at least this fraction of it shows a clear line."""
_COARSE_MARGIN = 0.05
"""How much more clearly a family of lines must stand out at the coarse scale to be measured
there: the fine scale places lines more precisely."""
_MOST_CROSSINGS = 0.5
"""Share of a lattice's crossings measured from which its lines may be few (`GridContrast.is_grid`)."""
_FRAME_SLACK = 0.5
"""Grid spacings by which a board's corner may lie beyond the frame (`in_frame`): a stone on it
still shows half, and a camera bumped a little keeps a board framed tightly in view."""

T = TypeVar("T")


@dataclass(frozen=True)
class Lattice:
    size: int
    homography: np.ndarray
    """3x3, lattice (col, row, 1) -> undistorted image pixels at original resolution."""

    def map(self, lattice_points: np.ndarray) -> np.ndarray:
        return apply_homography(self.homography, lattice_points)

    def intersections(self) -> np.ndarray:
        """(size, size, 2) undistorted image points, indexed [row, col]."""
        idx = np.arange(self.size, dtype=np.float64)
        cols, rows = np.meshgrid(idx, idx)
        return self.map(np.stack([cols, rows], axis=-1))

    def corners(self) -> np.ndarray:
        """The four outer corners in lattice order (0,0), (n-1,0), (n-1,n-1), (0,n-1)."""
        m = self.size - 1.0
        return self.map(np.array([[0.0, 0.0], [m, 0.0], [m, m], [0.0, m]]))

    def shifted(self, col0: int, row0: int, size: int) -> "Lattice":
        """The lattice whose (0, 0) is this one's (col0, row0), with another size."""
        t = np.array([[1.0, 0, col0], [0, 1.0, row0], [0, 0, 1.0]])
        return Lattice(size, self.homography @ t)

    def mean_spacing(self) -> float:
        pts = self.intersections()
        d1 = np.linalg.norm(np.diff(pts, axis=0), axis=-1)
        d2 = np.linalg.norm(np.diff(pts, axis=1), axis=-1)
        return float((d1.mean() + d2.mean()) / 2.0)


def in_frame(lattice: Lattice, lens: LensDistortion, image_size: tuple[int, int]) -> bool:
    """Whether the lattice's four outer corners lie in the image (`image_size`: width, height), or
    beyond its edge by less than `_FRAME_SLACK`: a board the camera shows whole. A lattice with a
    corner further out has found lines on something else (table planks run on past the frame), or
    a board whose edge the camera cuts off, which it cannot read."""
    corners = lens.distort_points(lattice.corners())
    slack = _FRAME_SLACK * lattice.mean_spacing()
    return bool(np.all((corners >= -slack) & (corners <= np.asarray(image_size, dtype=np.float64) + slack)))


@dataclass(frozen=True)
class GridObservation:
    lattice: Lattice
    """The lattice re-fitted to the observed intersections."""
    cols: np.ndarray
    """Lattice indices of the column lines that were measured."""
    rows: np.ndarray
    """Lattice indices of the row lines that were measured."""
    observed: np.ndarray
    """(len(rows), len(cols), 2) observed intersections (undistorted pixels), NaN where a line was not seen."""
    residuals: np.ndarray
    """(len(rows), len(cols)) distance between `observed` and the lattice, NaN where unobserved."""
    error_px: float
    """RMS of `residuals` in image pixels."""
    coverage: tuple[np.ndarray, np.ndarray]
    """Fraction of each column line and of each row line that shows a clear line."""
    line_points: list[np.ndarray]
    """Per measured line, its observed points in camera (distorted) image pixels."""

    @property
    def observed_fraction(self) -> float:
        return float(np.isfinite(self.residuals).mean())


def apply_homography(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    pts = np.asarray(pts, dtype=np.float64)
    x, y = pts[..., 0], pts[..., 1]
    # Written out: numpy's matmul with a 3-wide inner dimension is slow on big arrays.
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
        v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    return np.stack([u, v], axis=-1)


@dataclass(frozen=True)
class _Profiles:
    offset: np.ndarray
    """(L, M) sub-sample offset of the line (lattice units), NaN where no clear line."""
    along: np.ndarray
    """(M,) lattice parameter of each sample along the line."""
    base: np.ndarray
    """(L, M, 2) camera pixels (original resolution) of the predicted line at each sample."""
    across: np.ndarray
    """(L, M, 2) camera-pixel step per lattice unit across the line at each sample."""

    def points(self) -> np.ndarray:
        """(L, M, 2) camera pixels of the observed line, NaN where none was seen."""
        return self.base + self.offset[..., None] * self.across


_ALIGNED = 0.07
"""Hits on one line agree on its position to this fraction of a spacing."""
_ALONG = np.linspace(0.28, 0.72, 5)
"""Where along each cell a line is measured: away from the crossing lines, which
would otherwise fill the whole profile."""
_ALONG_SPARSE = np.array([0.4, 0.5, 0.6])
"""Enough to tell whether a line is there at all. Mid-cell is where stones
(centred on intersections) leave a line most often bare, and where
coordinate labels printed beyond the edge (centred on the lines' extensions)
are absent, so those do not pass for another grid line."""


def _profiles(
    evidence: LineEvidence,
    lattice: Lattice,
    lens: LensDistortion,
    indices: np.ndarray,
    axis: int,
    t_range: tuple[float, float],
    half_window: float,
    along_cell: np.ndarray = _ALONG,
    strict: bool = False,
    coarse: bool | None = False,
) -> _Profiles:
    """Find the line near each predicted grid line `indices` of one axis.

    axis 0: column lines (constant col), axis 1: row lines. At a few points of
    every cell along a line, the response (at twice the scale where `coarse`) is
    read across it over +-`half_window` lattice units and the sub-pixel peak
    kept when it stands clearly above the rest of the profile. `coarse` None:
    at both scales, as twice the lines, the fine scale's first (one pass costs
    little more than one scale's).
    """
    cells = np.arange(np.floor(t_range[0]), np.ceil(t_range[1]))
    along = (cells[:, None] + along_cell[None, :]).ravel()
    along = along[(along >= t_range[0]) & (along <= t_range[1])]
    idx = np.asarray(indices, dtype=np.float64)
    # Each sample, and the same sample a step across its line, mapped in one pass.
    lat = np.empty((2, len(idx), len(along), 2))
    lat[..., axis] = idx[:, None]
    lat[..., 1 - axis] = along[None, :]
    lat[1, ..., axis] += 0.05
    base, stepped = lens.distort_points(lattice.map(lat))
    across = (stepped - base) / 0.05
    scale = evidence.scale
    spacing_px = float(np.nanmax(np.linalg.norm(across, axis=-1))) * scale if base.size else 1.0
    k = int(np.clip(2 * np.ceil(half_window * spacing_px) + 1, 9, 41))
    offs = np.linspace(-half_window, half_window, k).astype(np.float32)
    b = (base * scale).astype(np.float32).reshape(-1, 1, 2)
    a = (across * scale).astype(np.float32).reshape(-1, 1, 2)
    mapx = b[..., 0] + offs[None, :] * a[..., 0]
    mapy = b[..., 1] + offs[None, :] * a[..., 1]
    bad = ~(np.isfinite(mapx) & np.isfinite(mapy))
    mapx[bad] = -1e4
    mapy[bad] = -1e4
    maps = evidence.scales if coarse is None else (evidence.scales[int(coarse)],)
    vals = np.concatenate([
        cv2.remap(m, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0) for m in maps
    ])
    # The local maximum nearest the prediction, not the strongest: many boards
    # print a heavier border line just outside the outer grid line, and it must
    # not capture that line once the lattice is close.
    base_level = vals.mean(axis=-1, keepdims=True)
    inner = vals[:, 1:-1]
    # Measuring a line already known needs only a peak; deciding whether a
    # line is there at all needs a clear one. Levels are in units of the threshold.
    level, contrast = (0.8, 0.5) if strict else (0.5, 0.3)
    is_peak = (
        (inner >= vals[:, :-2])
        & (inner > vals[:, 2:])
        & (inner > level)
        & (inner - base_level > contrast)
    )
    dist = np.where(is_peak, np.abs(offs[1:-1])[None, :], np.inf)
    peak = np.argmin(dist, axis=-1) + 1
    rows = np.arange(len(vals))
    ok = np.isfinite(dist[rows, peak - 1])
    pc = np.clip(peak, 1, k - 2)
    y0, y1, y2 = vals[rows, pc - 1], vals[rows, pc], vals[rows, pc + 1]
    denom = y0 - 2 * y1 + y2
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(denom < 0, 0.5 * (y0 - y2) / denom, 0.0)
    offset = offs[pc] + np.clip(frac, -0.5, 0.5) * (offs[1] - offs[0])
    offset = np.where(ok, offset, np.nan).reshape(len(maps) * len(idx), len(along))
    if len(maps) > 1:
        base, across = np.tile(base, (len(maps), 1, 1)), np.tile(across, (len(maps), 1, 1))
    return _Profiles(offset, along, base, across)


def _spacing_px(lattice: Lattice, lens: LensDistortion, indices: np.ndarray, t_range: tuple[float, float]) -> float:
    """The largest grid spacing (camera pixels) over the region sampled."""
    lo, hi = float(np.min(indices)), float(np.max(indices))
    corners = np.array([[lo, t_range[0]], [hi, t_range[0]], [hi, t_range[1]], [lo, t_range[1]]])
    base = lens.distort_points(lattice.map(corners))
    step_a = lens.distort_points(lattice.map(corners + [1.0, 0.0]))
    step_b = lens.distort_points(lattice.map(corners + [0.0, 1.0]))
    d = np.concatenate([np.linalg.norm(step_a - base, axis=1), np.linalg.norm(step_b - base, axis=1)])
    d = d[np.isfinite(d)]
    return float(d.max()) if len(d) else 1.0


def _fit_lines(pts: np.ndarray, valid: np.ndarray, floor_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Robust total-least-squares lines through each row of points, all rows at once.

    pts (L, M, 2), valid (L, M). Returns lines (L, 3) as (a, b, c) with
    a^2 + b^2 = 1 (NaN where too few points) and the inlier mask (L, M).
    Points further than 2.5 robust sigmas (at least `floor_px`) from the line
    are dropped and the line re-fitted: stone edges and shadows next to a line
    must not pull it.
    """
    use = valid.copy()
    p = np.where(valid[..., None], pts, 0.0)
    lines = np.full((len(pts), 3), np.nan)
    for _ in range(3):
        w = use.astype(np.float64)
        cnt = np.maximum(w.sum(axis=1), 1.0)
        mean = (p * w[..., None]).sum(axis=1) / cnt[:, None]
        d = (p - mean[:, None, :]) * w[..., None]
        sxx = (d[..., 0] ** 2).sum(axis=1)
        syy = (d[..., 1] ** 2).sum(axis=1)
        sxy = (d[..., 0] * d[..., 1]).sum(axis=1)
        theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
        normal = np.stack([-np.sin(theta), np.cos(theta)], axis=1)
        lines = np.concatenate([normal, -(normal * mean).sum(axis=1, keepdims=True)], axis=1)
        res = np.abs((p * normal[:, None, :]).sum(axis=-1) + lines[:, 2:3])
        # Median over each row's used points (np.nanmedian is slow on small rows).
        ranked = np.sort(np.where(use, res, np.inf), axis=1)
        mid = np.clip(use.sum(axis=1) // 2, 0, res.shape[1] - 1)
        sigma = np.take_along_axis(ranked, mid[:, None], axis=1)[:, 0] * 1.4826
        sigma = np.where(np.isfinite(sigma), sigma, 0.0)
        limit = np.maximum(2.5 * sigma, floor_px)
        use = valid & (res < limit[:, None])
    return lines, use


def hits(
    evidence: LineEvidence,
    lattice: Lattice,
    lens: LensDistortion,
    indices: np.ndarray,
    axis: int,
    t_range: tuple[float, float],
    half_window: float = 0.25,
    coarse: bool | None = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Where each line `indices` of `axis` is seen: (L, M) booleans at lattice parameters `along` (M,).

    A real line is found where predicted and in the same place all along; a
    lattice off by half a spacing finds the neighbours at the window's edge,
    and noise (a textured table) gives peaks scattered over the window. So a
    hit must lie near the line's own median offset, and that median near 0.
    """
    prof = _profiles(evidence, lattice, lens, np.asarray(indices), axis, t_range, half_window, _ALONG_SPARSE, strict=True,
                     coarse=coarse)
    off = prof.offset
    found = np.isfinite(off)
    ranked = np.sort(np.where(found, off, np.inf), axis=1)
    mid = np.clip(found.sum(axis=1) // 2, 0, max(off.shape[1] - 1, 0))
    median = np.take_along_axis(ranked, mid[:, None], axis=1) if off.shape[1] else np.zeros((len(off), 1))
    median = np.where(np.isfinite(median), median, 1.0)
    # A blurred line's peak is placed to about a pixel; on a small board that
    # is more than a fixed fraction of a spacing.
    px_per_unit = np.linalg.norm(prof.across, axis=-1) * evidence.scale
    tolerance = np.maximum(_ALIGNED, 1.0 / np.maximum(px_per_unit, 1e-6))
    aligned = np.abs(np.nan_to_num(off, nan=1.0) - median) < tolerance
    central = np.abs(median) < 0.6 * half_window
    return found & aligned & central, prof.along


def coverage(
    evidence: LineEvidence,
    lattice: Lattice,
    lens: LensDistortion,
    indices: np.ndarray,
    axis: int,
    t_range: tuple[float, float],
    half_window: float = 0.25,
    coarse: bool | None = False,
) -> np.ndarray:
    """Fraction of each line `indices` of `axis`, over `t_range` of the other axis, that shows a clear line
    (`coarse`: as `_profiles`)."""
    seen, along = hits(evidence, lattice, lens, indices, axis, t_range, half_window, coarse)
    if len(along) == 0:
        return np.zeros(len(seen))
    return seen.mean(axis=1)


@dataclass(frozen=True)
class GridContrast:
    seen: float
    """Mean coverage of the lattice's lines."""
    between: float
    """Mean coverage of lines half-way between them: texture, or a finer grid."""

    def is_grid(self, corners_seen: int = 0, crossings: float = 0.0) -> bool:
        """Whether lines lie on the lattice and not between: texture and noise put "lines"
        anywhere, a grid on the lattice only. Where the corner finder sees the lattice's
        four corners (`corners_seen`) too, fewer lines will do: stones hide most of a crowded
        board's lines. So they do, clear of lines between, where it sees three and most of
        the lattice's `crossings` (0..1) were measured: a hand over a board hides most of its
        lines and may hide a corner, not where the lines it leaves cross."""
        seen, ratio = (0.15, 2.0) if corners_seen == 4 else (0.25, 2.5)
        if self.seen >= seen and self.seen >= ratio * self.between:
            return True
        return corners_seen >= 3 and crossings >= _MOST_CROSSINGS and self.is_clear()

    def is_clear(self) -> bool:
        """Whether the lines lie on the lattice clearly enough to stand for a fit with few crossings
        measured: as a grid without the corner finder's support, or, where stones or a hand hide
        most of them, less of them with next to nothing between."""
        return self.is_grid() or (self.seen >= 0.12 and self.seen >= 4.0 * self.between)


@dataclass(frozen=True)
class _Family:
    coarse: bool
    seen: float
    between: float


def _family(
    evidence: LineEvidence, lattice: Lattice, lens: LensDistortion, indices: np.ndarray, axis: int,
    t_range: tuple[float, float],
) -> _Family:
    """Whether the lines `indices` of `axis` stand out more from lines half-way between them
    at the coarse scale than at the fine one, and how much of each shows at that scale."""
    idx = np.asarray(indices, dtype=np.float64)
    on = coverage(evidence, lattice, lens, idx, axis, t_range, coarse=None).reshape(2, -1).mean(axis=1)
    off = (coverage(evidence, lattice, lens, idx[:-1] + 0.5, axis, t_range, coarse=None).reshape(2, -1).mean(axis=1)
           if len(idx) > 1 else np.zeros(2))
    score = on - 2.0 * off
    k = int(score[1] - _COARSE_MARGIN > score[0])
    return _Family(bool(k), float(on[k]), float(off[k]))


def _families(
    evidence: LineEvidence, lattice: Lattice, lens: LensDistortion, cols: np.ndarray, rows: np.ndarray
) -> tuple[_Family, _Family]:
    """The column lines `cols` and the row lines `rows` over each other's extent."""
    index = (cols, rows)
    column, row = (
        _family(evidence, lattice, lens, index[axis], axis, (float(index[1 - axis].min()), float(index[1 - axis].max())))
        for axis in (0, 1)
    )
    return column, row


def _coarse(
    evidence: LineEvidence, lattice: Lattice, lens: LensDistortion, cols: np.ndarray, rows: np.ndarray
) -> tuple[bool, bool]:
    """Whether to measure the column lines, and the row lines, at the coarse scale."""
    column, row = _families(evidence, lattice, lens, cols, rows)
    return column.coarse, row.coarse


def grid_contrast(evidence: LineEvidence, lattice: Lattice, lens: LensDistortion) -> GridContrast:
    """How clearly the lattice's lines show, and lines half-way between them, each family at its own scale."""
    idx = np.arange(lattice.size)
    families = _families(evidence, lattice, lens, idx, idx)
    return GridContrast(float(np.mean([f.seen for f in families])), float(np.mean([f.between for f in families])))


class FitCache:
    """What one board search measures of a fit, measured once however often the fit is judged:
    both scales of every family of lines (`grid_contrast`), and the fit moved to another board
    (`guided.placed_fit`), are a good part of board finding's time. One cache serves one search,
    whose heatmap and board sizes are the same throughout."""

    def __init__(self) -> None:
        # Keyed by identity; the objects are kept so that no id is reused while cached.
        self._done: dict[tuple[str, int, int, int], tuple[LineEvidence, GridObservation, LensDistortion, object]] = {}

    def get(self, what: str, evidence: LineEvidence, obs: GridObservation, lens: LensDistortion,
            compute: Callable[[], T]) -> T:
        """`compute()`'s result for `what` of this fit, computed the first time it is asked for."""
        key = (what, id(evidence), id(obs), id(lens))
        if key not in self._done:
            self._done[key] = (evidence, obs, lens, compute())
        return cast(T, self._done[key][3])

    def of(self, evidence: LineEvidence, obs: GridObservation, lens: LensDistortion) -> GridContrast:
        return self.get("contrast", evidence, obs, lens, lambda: grid_contrast(evidence, obs.lattice, lens))


def observe(
    evidence: LineEvidence,
    lattice: Lattice,
    lens: LensDistortion,
    half_window: float,
    cols: np.ndarray | None = None,
    rows: np.ndarray | None = None,
    coarse: tuple[bool, bool] | None = None,
) -> GridObservation | None:
    """Measure the grid lines `cols` x `rows` (default: the whole lattice) and re-fit the lattice to them,
    the column and row lines at the coarse scale where `coarse` says (default: where they show more clearly)."""
    n = lattice.size
    cols = np.arange(n) if cols is None else np.asarray(cols)
    rows = np.arange(n) if rows is None else np.asarray(rows)
    if coarse is None:
        coarse = _coarse(evidence, lattice, lens, cols, rows)
    index = (cols, rows)
    fitted: list[np.ndarray] = []
    cover: list[np.ndarray] = []
    line_points: list[np.ndarray] = []
    floor_px = 0.6 / evidence.scale
    for axis in (0, 1):
        other = index[1 - axis]
        prof = _profiles(evidence, lattice, lens, index[axis], axis, (float(other.min()), float(other.max())), half_window,
                         coarse=coarse[axis])
        camera = prof.points()
        valid = np.isfinite(prof.offset)
        und = lens.undistort_points(np.where(valid[..., None], camera, 0.0))
        lines, inl = _fit_lines(und, valid, floor_px)
        frac = inl.sum(axis=1) / max(len(prof.along), 1)
        good = (inl.sum(axis=1) >= 8) & (frac >= _MIN_COVERAGE)
        lines[~good] = np.nan
        fitted.append(lines)
        cover.append(np.where(inl.sum(axis=1) >= 8, frac, 0.0))
        line_points.extend(camera[i, inl[i]] for i in np.flatnonzero(good))
    # Every row line crossed with every column line.
    x = np.cross(fitted[1][:, None, :], fitted[0][None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = x[..., :2] / x[..., 2:3]
    observed[~np.isfinite(observed).all(axis=-1)] = np.nan
    found = np.isfinite(observed[..., 0])
    if found.sum() < 8:
        return None
    cc, rr = np.meshgrid(cols.astype(np.float64), rows.astype(np.float64))
    src = np.stack([cc, rr], axis=-1)[found]
    dst = observed[found]
    h, _ = cv2.findHomography(src, dst, 0)
    if h is None:
        return None
    # One mis-measured line (stones along it) must not drag the whole lattice: drop
    # intersections far off the first fit and fit again.
    res = np.linalg.norm(apply_homography(h, src) - dst, axis=1)
    spacing = _spacing_px(Lattice(n, h), LensDistortion.none_for(2, 2), cols, (float(rows.min()), float(rows.max())))
    keep = res < max(3.0 * np.median(res), 0.08 * spacing)
    if keep.sum() >= 8 and not keep.all():
        h2, _ = cv2.findHomography(src[keep], dst[keep], 0)
        if h2 is not None:
            h = h2
    fit = Lattice(n, h / h[2, 2])
    residuals = np.full(found.shape, np.nan)
    residuals[found] = np.linalg.norm(fit.map(src) - dst, axis=1)
    error = float(np.sqrt(np.nanmean(residuals**2)))
    return GridObservation(fit, cols, rows, observed, residuals, error, (cover[0], cover[1]), line_points)


def refine(
    evidence: LineEvidence,
    lattice: Lattice,
    lens: LensDistortion,
    windows: tuple[float, ...] = (0.35, 0.2),
    cols: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> GridObservation | None:
    """Alternate measuring the lines and re-fitting, with a narrowing search window; each
    family of lines at the scale chosen from the starting lattice throughout."""
    obs = None
    n = lattice.size
    coarse = _coarse(evidence, lattice, lens, np.arange(n) if cols is None else np.asarray(cols),
                     np.arange(n) if rows is None else np.asarray(rows))
    for w in windows:
        new = observe(evidence, lattice, lens, w, cols, rows, coarse)
        if new is None:
            return obs
        obs = new
        lattice = new.lattice
    return obs
