"""Bringing a lattice started from rough corners onto the lines it stands for.

Refinement (`grid.refine`) measures each grid line near where the lattice
puts it, so it needs the lattice within about a third of a spacing. The
corner finder's corners are often half a spacing off on blurred, noisy or
crowded boards, and there the line measured nearest each prediction is as
likely a neighbour, a stone's edge or noise: refinement stays where it
started. Here the lattice is scored as a whole instead (the line response
along its lines less that along the lines half-way between them) and each
corner is moved in turn to where that score is highest: first on a blurred
response, which a lattice half a spacing off still feels the slope of, then
on sharper ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from calibration.evidence import LineEvidence, line_evidence
from calibration.lens import LensDistortion

_STEPS = ((0.3, 0.12), (0.15, 0.08), (0.08, 0.05), (0.04, 0.0))
"""(corner step, blur sigma), both in grid spacings, coarse to fine."""
_REACH = 2
"""Steps each way a corner is tried at per move."""
_LIMIT = 0.7
"""Spacings a corner may end from where it started. A line more or less at a
board's edge changes the score little (the wood's edge reads as a line too),
so a free search would slide the lattice a whole line."""
_ALONG = np.array([0.3, 0.5, 0.7])
"""Where along each cell the lines are sampled: away from the crossings, which
show on the half-way lines' samples too."""


def _samples(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Lattice points on the grid lines and on the lines half-way between, (3, P) homogeneous, with
    the weights that make their weighted sum the difference of the two means."""
    cells = (np.arange(size - 1)[:, None] + _ALONG[None, :]).ravel()

    def along(lines: np.ndarray) -> np.ndarray:
        li, ci = np.meshgrid(lines, cells, indexing="ij")
        li, ci = li.ravel(), ci.ravel()
        return np.concatenate([np.stack([li, ci], 1), np.stack([ci, li], 1)])

    on = along(np.arange(size, dtype=np.float64))
    off = along(np.arange(size - 1, dtype=np.float64) + 0.5)
    weights = np.concatenate([np.full(len(on), 1.0 / len(on)), np.full(len(off), -1.0 / len(off))])
    points = np.concatenate([on, off])
    return np.concatenate([points, np.ones((len(points), 1))], axis=1).T.astype(np.float32), weights


def _homographies(quads: np.ndarray, size: int) -> np.ndarray:
    """(K, 3, 3) lattice -> undistorted pixels for (K, 4, 2) undistorted corner quads, in closed form
    (Heckbert's square-to-quad mapping): a corner search scores thousands of quads a board, and an
    8x8 solve for each was a fifth of its time."""
    x, y = quads[..., 0], quads[..., 1]
    dx1, dx2, dx3 = x[:, 1] - x[:, 2], x[:, 3] - x[:, 2], x[:, 0] - x[:, 1] + x[:, 2] - x[:, 3]
    dy1, dy2, dy3 = y[:, 1] - y[:, 2], y[:, 3] - y[:, 2], y[:, 0] - y[:, 1] + y[:, 2] - y[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        det = dx1 * dy2 - dx2 * dy1
        g = (dx3 * dy2 - dx2 * dy3) / det
        h = (dx1 * dy3 - dx3 * dy1) / det
    m = np.zeros((len(quads), 3, 3))
    m[:, 0] = np.stack([x[:, 1] - x[:, 0] + g * x[:, 1], x[:, 3] - x[:, 0] + h * x[:, 3], x[:, 0]], axis=1)
    m[:, 1] = np.stack([y[:, 1] - y[:, 0] + g * y[:, 1], y[:, 3] - y[:, 0] + h * y[:, 3], y[:, 0]], axis=1)
    m[:, 2] = np.stack([g, h, np.ones(len(quads))], axis=1)
    # The unit square's corners stand for the lattice's, `size - 1` lines apart.
    m[:, :, :2] /= size - 1.0
    return m


def _scores(
    response: np.ndarray, scale: float, homographies: np.ndarray, points: np.ndarray, weights: np.ndarray,
    lens: LensDistortion,
) -> np.ndarray:
    """(K,) how much more response lies on each lattice's lines than between them. `points`: (3, P)
    homogeneous lattice points, float32."""
    # One (3K, 3) x (3, P) product: a stack of K small ones costs several times as much.
    mapped = (homographies.astype(np.float32).reshape(-1, 3) @ points).reshape(len(homographies), 3, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x, y = mapped[:, 0] / mapped[:, 2], mapped[:, 1] / mapped[:, 2]
    if not lens.is_identity:
        cam = lens.distort_points(np.stack([x, y], axis=-1))
        x, y = cam[..., 0].astype(np.float32), cam[..., 1].astype(np.float32)
    x, y = x * scale, y * scale
    # Off the image (or a degenerate quad) reads as no line.
    bad = ~(np.isfinite(x) & np.isfinite(y))
    x[bad] = y[bad] = -1e4
    vals = cv2.remap(response, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return vals @ weights


def align_corners(evidence: LineEvidence, corners: np.ndarray, size: int, lens: LensDistortion) -> np.ndarray:
    """The outer grid corners (camera pixels, in the order given) moved to where the
    lattice of `size` lines between them lies best on the line evidence."""
    points, weights = _samples(size)
    quad = lens.undistort_points(np.asarray(corners, dtype=np.float64))
    start = quad.copy()
    spacing = float(np.mean(np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1))) / (size - 1.0)
    grid = np.arange(-_REACH, _REACH + 1, dtype=np.float64)
    di, dj = (a.ravel() for a in np.meshgrid(grid, grid, indexing="ij"))
    # Corner c's neighbours along the board's two edges through it.
    toward = [((c + 1) % 4, (c + 3) % 4) for c in range(4)]
    for step, blur in _STEPS:
        sigma = blur * spacing * evidence.scale
        response = cv2.GaussianBlur(evidence.response, (0, 0), sigma) if sigma > 0.5 else evidence.response
        best = float(_scores(response, evidence.scale, _homographies(quad[None], size), points, weights, lens)[0])
        moved = True
        while moved:
            moved = False
            for c in range(4):
                a, b = toward[c]
                ex = (quad[a] - quad[c]) / (size - 1.0)
                ey = (quad[b] - quad[c]) / (size - 1.0)
                candidates = quad[c] + step * (di[:, None] * ex + dj[:, None] * ey)
                keep = np.linalg.norm(candidates - start[c], axis=1) <= _LIMIT * spacing
                if not keep.any():
                    continue
                quads = np.repeat(quad[None], int(keep.sum()), axis=0)
                quads[:, c] = candidates[keep]
                scores = _scores(response, evidence.scale, _homographies(quads, size), points, weights, lens)
                k = int(np.argmax(scores))
                if scores[k] > best + 1e-9:
                    best, quad, moved = float(scores[k]), quads[k], True
    return lens.distort_points(quad)


def align_in_image(image: np.ndarray, corners: np.ndarray, size: int) -> np.ndarray:
    """`align_corners` on the image's own lines, without lens distortion: for an outline
    that did not come from the line search (the corner model's, placed by the stones)."""
    evidence = line_evidence(image, with_segments=False)
    width, height = evidence.original_size
    return align_corners(evidence, corners, size, LensDistortion.none_for(width, height))
