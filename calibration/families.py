"""The two families of grid lines and their vanishing points.

Seen in perspective, the board's parallel lines of each direction meet in a
vanishing point. Finding the two points (RANSAC over pairs of segments, then a
least-squares fit over the agreeing ones) both sorts the segments into the two
families and gives the homography that makes each family parallel again, after
which the grid spacing is uniform and can be read off in one dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TRIALS = 300
_INLIER_PX = 2.0
"""How far (working pixels) a segment end may miss the line through its midpoint and the point."""
_MIN_FAMILY_ANGLE = np.deg2rad(20.0)


@dataclass(frozen=True)
class LineFamily:
    vanishing_point: np.ndarray
    """Homogeneous (3,) in working pixels; third coordinate ~0 when the lines are parallel."""
    segments: np.ndarray
    """(m, 4) segments that pass through the vanishing point."""
    trust: np.ndarray
    """(m,) 0.1..1: how much each segment looks like part of a grid (it crosses other lines)."""


@dataclass(frozen=True)
class _Frame:
    """Normalised coordinates: centred, divided by the long side (keeps SVDs well conditioned)."""

    cx: float
    cy: float
    f: float

    def matrix(self) -> np.ndarray:
        return np.array([[1 / self.f, 0, -self.cx / self.f], [0, 1 / self.f, -self.cy / self.f], [0, 0, 1]])


def find_families(segments: np.ndarray, shape: tuple[int, int], seed: int = 0) -> tuple[LineFamily, LineFamily] | None:
    """Split segments into the two strongest vanishing-point families, or None.

    The first family returned is the one whose lines run closer to vertical.
    """
    if len(segments) < 8:
        return None
    h, w = shape[:2]
    frame = _Frame((w - 1) / 2.0, (h - 1) / 2.0, float(max(w, h)))
    rng = np.random.default_rng(seed)
    segs = _normalise(segments, frame)
    lengths = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    # A grid line is crossed by the other family's lines; planks of a wooden
    # table, a bowl's rim or a book's edge are not. Segments that cross
    # nothing keep only a little say in where the vanishing points are.
    trust = np.clip(crossings(segments) / 3.0, 0.02, 1.0)
    lengths = lengths * trust
    tol = _INLIER_PX / frame.f

    first = _ransac_vp(segs, lengths, tol, rng)
    if first is None:
        return None
    vp1, in1 = first
    rest = ~in1
    # Segments that merely run near family 1's direction are leftovers of family 1
    # (broken or doubled lines), not the other family.
    rest &= _angle_to_vp(segs, vp1) > _MIN_FAMILY_ANGLE
    if rest.sum() < 4:
        return None
    second = _ransac_vp(segs[rest], lengths[rest], tol, rng)
    if second is None:
        return None
    vp2, in2_sub = second
    in2 = np.zeros(len(segs), dtype=bool)
    in2[np.flatnonzero(rest)[in2_sub]] = True

    denorm = np.linalg.inv(frame.matrix())
    fam1 = LineFamily(_unit(denorm @ vp1), segments[in1], trust[in1])
    fam2 = LineFamily(_unit(denorm @ vp2), segments[in2], trust[in2])
    if _verticalness(fam1.segments) < _verticalness(fam2.segments):
        fam1, fam2 = fam2, fam1
    return fam1, fam2


def rectifying_homography(vertical: LineFamily, horizontal: LineFamily, shape: tuple[int, int]) -> np.ndarray | None:
    """Working pixels -> a plane where the first family is vertical and the second horizontal.

    Sending the horizon (the line through both vanishing points) to infinity
    removes the perspective; an affine map then turns the two directions into
    the axes. The result is the board up to scale and translation per axis,
    with roughly the working image's pixel scale near its centre.
    """
    h, w = shape[:2]
    frame = _Frame((w - 1) / 2.0, (h - 1) / 2.0, float(max(w, h)))
    t = frame.matrix()
    v1 = _unit(t @ vertical.vanishing_point)
    v2 = _unit(t @ horizontal.vanishing_point)
    horizon = np.cross(v1, v2)
    if abs(horizon[2]) < 1e-9 or np.hypot(horizon[0], horizon[1]) / abs(horizon[2]) > 2.5:
        # The horizon passes within the image: no board plane can be in front of it.
        return None
    p = np.array([[1.0, 0, 0], [0, 1.0, 0], [horizon[0] / horizon[2], horizon[1] / horizon[2], 1.0]])
    d1 = (p @ v1)[:2]
    d2 = (p @ v2)[:2]
    d1 /= np.linalg.norm(d1)
    d2 /= np.linalg.norm(d2)
    # Orient the directions so the map keeps the image's handedness: x right, y down.
    if d1[1] < 0:
        d1 = -d1
    if d2[0] < 0:
        d2 = -d2
    basis = np.column_stack([d2, d1])
    if abs(np.linalg.det(basis)) < np.sin(_MIN_FAMILY_ANGLE):
        return None
    a = np.eye(3)
    a[:2, :2] = np.linalg.inv(basis)
    return np.diag([frame.f, frame.f, 1.0]) @ a @ p @ t


def crossings(segments: np.ndarray, slack_px: float = 3.0) -> np.ndarray:
    """For each segment, how many segments at least 20 degrees off its direction it crosses."""
    p = segments[:, :2].astype(np.float64)
    d = segments[:, 2:].astype(np.float64) - p
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    # Solve p_i + t d_i = p_j + u d_j for every pair.
    cross = d[:, None, 0] * d[None, :, 1] - d[:, None, 1] * d[None, :, 0]
    sin = np.abs(cross) / (length[:, None] * length[None, :])
    w = p[None, :, :] - p[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * d[None, :, 1] - w[..., 1] * d[None, :, 0]) / cross
        u = (w[..., 0] * d[:, None, 1] - w[..., 1] * d[:, None, 0]) / cross
    st = slack_px / length[:, None]
    su = slack_px / length[None, :]
    hit = (sin > np.sin(_MIN_FAMILY_ANGLE)) & (t > -st) & (t < 1 + st) & (u > -su) & (u < 1 + su)
    return hit.sum(axis=1).astype(np.float64)


def _normalise(segments: np.ndarray, frame: _Frame) -> np.ndarray:
    out = segments.astype(np.float64).copy()
    out[:, [0, 2]] = (out[:, [0, 2]] - frame.cx) / frame.f
    out[:, [1, 3]] = (out[:, [1, 3]] - frame.cy) / frame.f
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _lines(segs: np.ndarray) -> np.ndarray:
    a = np.stack([segs[:, 0], segs[:, 1], np.ones(len(segs))], axis=1)
    b = np.stack([segs[:, 2], segs[:, 3], np.ones(len(segs))], axis=1)
    lines = np.cross(a, b)
    return lines / np.hypot(lines[:, 0], lines[:, 1])[:, None]


def _vp_errors(segs: np.ndarray, vps: np.ndarray) -> np.ndarray:
    """(k, n): distance of each segment's end from the line through its midpoint and each point."""
    mid = np.stack([(segs[:, 0] + segs[:, 2]) / 2, (segs[:, 1] + segs[:, 3]) / 2, np.ones(len(segs))], axis=1)
    lines = np.cross(mid[None, :, :], vps[:, None, :])
    norm = np.hypot(lines[..., 0], lines[..., 1])
    norm = np.where(norm < 1e-12, 1e-12, norm)
    return np.abs(lines[..., 0] * segs[None, :, 0] + lines[..., 1] * segs[None, :, 1] + lines[..., 2]) / norm


def _angle_to_vp(segs: np.ndarray, vp: np.ndarray) -> np.ndarray:
    """Angle between each segment and the direction from its midpoint towards the point."""
    mx = (segs[:, 0] + segs[:, 2]) / 2
    my = (segs[:, 1] + segs[:, 3]) / 2
    tx = vp[0] - mx * vp[2]
    ty = vp[1] - my * vp[2]
    sx = segs[:, 2] - segs[:, 0]
    sy = segs[:, 3] - segs[:, 1]
    cos = np.abs(tx * sx + ty * sy) / np.maximum(np.hypot(tx, ty) * np.hypot(sx, sy), 1e-12)
    return np.arccos(np.clip(cos, 0.0, 1.0))


def _ransac_vp(
    segs: np.ndarray, lengths: np.ndarray, tol: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray] | None:
    n = len(segs)
    if n < 4:
        return None
    lines = _lines(segs)
    p = lengths / lengths.sum()
    i = rng.choice(n, size=_TRIALS, p=p)
    j = rng.choice(n, size=_TRIALS, p=p)
    keep = i != j
    vps = np.cross(lines[i[keep]], lines[j[keep]])
    norms = np.linalg.norm(vps, axis=1)
    vps = vps[norms > 1e-9] / norms[norms > 1e-9, None]
    if len(vps) == 0:
        return None
    scores = ((_vp_errors(segs, vps) < tol) * lengths[None, :]).sum(axis=1)
    vp = vps[int(np.argmax(scores))]
    for _ in range(3):
        inliers = _vp_errors(segs, vp[None, :])[0] < tol
        if inliers.sum() < 3:
            return None
        # Least squares: the point closest to all inlier lines, longer segments weighing more.
        weighted = lines[inliers] * np.sqrt(lengths[inliers])[:, None]
        vp = np.linalg.svd(weighted, full_matrices=False)[2][-1]
    inliers = _vp_errors(segs, vp[None, :])[0] < tol
    return vp, inliers


def _verticalness(segments: np.ndarray) -> float:
    dx = np.abs(segments[:, 2] - segments[:, 0])
    dy = np.abs(segments[:, 3] - segments[:, 1])
    return float(np.sum(dy - dx))
