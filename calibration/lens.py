"""Lens distortion: a one-parameter division model fitted to the board's own grid lines.

Wide-angle camera modules bend straight lines. The division model
`p_u = c + (p_d - c) / (1 + k1 * r_d**2)` (r_d the distance from the centre,
in units of half the image diagonal) captures the barrel distortion of such
lenses with one number, and unlike the polynomial radial model it has an exact
closed-form inverse, so rectifying (undistort) and projecting back (distort)
agree to rounding error. Barrel distortion has k1 < 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

_K_LIMIT = 0.6
"""Search range for k1: beyond it the lens is a fisheye, not a board camera."""
_MAX_POINTS = 1000


@dataclass(frozen=True)
class LensDistortion:
    k1: float
    """Division-model coefficient; 0 means no distortion."""
    center: tuple[float, float]
    """Distortion centre in image pixels (the image centre)."""
    radius: float
    """Normalising radius in pixels (half the image diagonal)."""

    @classmethod
    def none_for(cls, width: int, height: int) -> "LensDistortion":
        return cls(0.0, ((width - 1) / 2.0, (height - 1) / 2.0), float(np.hypot(width, height) / 2.0))

    def with_k1(self, k1: float) -> "LensDistortion":
        return LensDistortion(float(k1), self.center, self.radius)

    @property
    def is_identity(self) -> bool:
        return self.k1 == 0.0

    def undistort_points(self, points: np.ndarray) -> np.ndarray:
        """Camera pixels -> ideal pinhole pixels, any (..., 2) array."""
        pts = np.asarray(points, dtype=np.float64)
        if self.is_identity:
            return pts.copy()
        c = np.asarray(self.center)
        d = (pts - c) / self.radius
        r2 = np.sum(d * d, axis=-1, keepdims=True)
        return c + d * self.radius / (1.0 + self.k1 * r2)

    def distort_points(self, points: np.ndarray) -> np.ndarray:
        """Ideal pinhole pixels -> camera pixels (exact inverse of `undistort_points`)."""
        pts = np.asarray(points, dtype=np.float64)
        if self.is_identity:
            return pts.copy()
        c = np.asarray(self.center)
        u = (pts - c) / self.radius
        ru2 = np.sum(u * u, axis=-1, keepdims=True)
        # r_d / r_u from k r_u r_d^2 - r_d + r_u = 0, in the form that is stable as k -> 0.
        disc = np.maximum(1.0 - 4.0 * self.k1 * ru2, 0.0)
        factor = 2.0 / (1.0 + np.sqrt(disc))
        return c + u * factor * self.radius

    def to_dict(self) -> dict[str, object]:
        return {
            "model": "division",
            "k1": self.k1,
            "center": [self.center[0], self.center[1]],
            "radius": self.radius,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "LensDistortion":
        if data.get("model", "division") != "division":
            raise ValueError(f"unknown lens model {data.get('model')!r}")
        center = data["center"]
        if not isinstance(center, (list, tuple)) or len(center) != 2:
            raise ValueError("lens centre must be two numbers")
        return cls(float(data["k1"]), (float(center[0]), float(center[1])), float(data["radius"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class LensFit:
    lens: LensDistortion
    residual_before_px: float
    """RMS distance of grid-line points from their straight-line fit, no correction."""
    residual_after_px: float
    """The same after undistorting with `lens`."""


def straightness_residual(lines: Sequence[np.ndarray], lens: LensDistortion) -> float:
    """RMS distance (camera pixels) of each line's points from its best straight line."""
    pts, ids = _stack(lines)
    if len(pts) == 0:
        return float("nan")
    return _residual(pts, ids, len(lines), lens)


def estimate_distortion(
    lines: Sequence[np.ndarray],
    base: LensDistortion,
    min_gain: float = 0.15,
) -> LensFit:
    """Fit k1 so that the points of each grid line lie on a straight line.

    `lines` holds one (m, 2) array of camera-pixel points per grid line. k1 is
    kept only if it lowers the residual by more than `min_gain` (a fraction):
    a few noisy points must not invent a distortion the lens does not have.
    """
    pts, ids = _stack(lines)
    n = len(lines)
    if len(pts) > _MAX_POINTS:
        # Evenly thinned: the fit needs the lines' shapes, not every sample.
        pick = np.linspace(0, len(pts) - 1, _MAX_POINTS).astype(np.int64)
        pts, ids = pts[pick], ids[pick]
    none = base.with_k1(0.0)
    before = _residual(pts, ids, n, none) if len(pts) else float("nan")
    if len(pts) < 20 or n < 4:
        return LensFit(none, before, before)

    def cost(k: float) -> float:
        return _residual(pts, ids, n, base.with_k1(k))

    # Most lenses are straight: when a little distortion either way does not
    # help, no search is needed.
    probe = 0.1
    if min(cost(-probe), cost(probe)) >= before * (1.0 - 0.5 * min_gain):
        return LensFit(none, before, before)
    grid = np.linspace(-_K_LIMIT, _K_LIMIT, 9)
    costs = [cost(k) for k in grid]
    i = int(np.argmin(costs))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    # Golden-section search inside the bracket found on the coarse grid.
    g = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = lo + (1 - g) * (hi - lo), lo + g * (hi - lo)
    fa, fb = cost(a), cost(b)
    for _ in range(12):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = lo + (1 - g) * (hi - lo)
            fa = cost(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = cost(b)
    k = (lo + hi) / 2.0
    after = cost(k)
    if not (after < before * (1.0 - min_gain)):
        return LensFit(none, before, before)
    return LensFit(base.with_k1(k), before, after)


def _stack(lines: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    arrays = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in lines]
    if not arrays:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    ids = np.concatenate([np.full(len(a), i, dtype=np.int64) for i, a in enumerate(arrays)])
    return np.concatenate(arrays), ids


def _residual(pts: np.ndarray, ids: np.ndarray, n: int, lens: LensDistortion) -> float:
    und = lens.undistort_points(pts)
    # Undistorting rescales the image; measure in camera pixels so that k1 cannot
    # lower the cost just by shrinking the picture.
    if not lens.is_identity:
        d = (pts - np.asarray(lens.center)) / lens.radius
        und_scale = 1.0 / (1.0 + lens.k1 * np.sum(d * d, axis=-1))
    else:
        und_scale = np.ones(len(pts))
    dist = line_distances(und, ids, n) / und_scale
    return float(np.sqrt(np.mean(dist * dist)))


def line_distances(pts: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Distance of each point from the total-least-squares line of its group."""
    count = np.bincount(ids, minlength=n).astype(np.float64)
    safe = np.maximum(count, 1.0)
    mx = np.bincount(ids, pts[:, 0], n) / safe
    my = np.bincount(ids, pts[:, 1], n) / safe
    dx = pts[:, 0] - mx[ids]
    dy = pts[:, 1] - my[ids]
    sxx = np.bincount(ids, dx * dx, n)
    syy = np.bincount(ids, dy * dy, n)
    sxy = np.bincount(ids, dx * dy, n)
    # Normal of the best line: eigenvector of the smaller eigenvalue of the scatter matrix.
    theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    nx, ny = -np.sin(theta), np.cos(theta)
    return np.abs(dx * nx[ids] + dy * ny[ids])
