"""A corner the heatmap misplaced, found again from its two neighbours' edge lines.

The corner finder sometimes puts one of the four corners on a hand, a bowl or a
stone beside the board, and the true corner, hidden or in shadow, has no peak
strong enough to be tried in its place. The other three still outline the
board: from each neighbour of the misplaced corner, the board's outer grid line
runs towards the true one. Each of those lines is found as the direction from
the neighbour along which the line response is strongest, near where a
parallelogram would put the corner, and the corner is where the two lines meet.
"""

from __future__ import annotations

import cv2
import numpy as np

from calibration.evidence import LineEvidence

_TURN = np.deg2rad(np.linspace(-25.0, 25.0, 101))
"""Directions tried around the parallelogram's, from each neighbour."""
_SPAN = np.linspace(0.1, 0.9, 48)
"""Where along the edge (as a fraction of its expected length) the response is read: the
far end lies near the corner that is sought, and may be under a hand."""
_MISFIT = 0.6
"""How far (as a fraction of the edge's length) the edges may meet from the parallelogram's corner."""


def complete_corner(evidence: LineEvidence, quad: np.ndarray, i: int) -> np.ndarray | None:
    """`quad` (4, 2), ordered around, with corner `i` placed where the edge lines from its
    neighbours meet, or None where they do not meet near the parallelogram's corner."""
    prev, nxt, opposite = quad[(i - 1) % 4], quad[(i + 1) % 4], quad[(i + 2) % 4]
    guess = prev + nxt - opposite
    rays = []
    for start in (prev, nxt):
        direction = _edge_direction(evidence, start, guess)
        if direction is None:
            return None
        rays.append((start, direction))
    (p, u), (q, v) = rays
    # p + s u = q + t v
    a = np.array([u, -v]).T
    if abs(np.linalg.det(a)) < 1e-6:
        return None
    s, _ = np.linalg.solve(a, q - p)
    corner = p + s * u
    length = min(np.linalg.norm(guess - prev), np.linalg.norm(guess - nxt))
    if not np.linalg.norm(corner - guess) <= _MISFIT * length:
        return None
    out = quad.copy()
    out[i] = corner
    return out


def _edge_direction(evidence: LineEvidence, start: np.ndarray, towards: np.ndarray) -> np.ndarray | None:
    """Unit direction from `start` (camera pixels) near that to `towards` along which the line response is strongest."""
    d = (towards - start) * evidence.scale
    length = float(np.hypot(*d))
    if length < 8:
        return None
    angle = np.arctan2(d[1], d[0]) + _TURN
    unit = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    pts = start[None, None, :] * evidence.scale + (_SPAN[None, :, None] * length) * unit[:, None, :]
    vals = cv2.remap(evidence.scales[0], pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # A line seen along most of the edge, not a strong stretch of one: the median along it.
    strength = np.median(vals, axis=1)
    best = int(np.argmax(strength))
    if strength[best] <= 0:
        return None
    return unit[best]
