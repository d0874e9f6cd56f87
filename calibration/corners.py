"""Board corners: the project's ordering convention and the `--corners` argument."""

from __future__ import annotations

import re

import numpy as np

from edge.errors import BadInputError


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four corners clockwise (on screen, y down) starting from the one nearest the image's top-left.

    Accepts them in any order; returns float64 (4, 2).
    """
    p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    if p.shape != (4, 2) or not np.all(np.isfinite(p)):
        raise ValueError("need four finite corner points")
    centre = p.mean(axis=0)
    # Sorting by angle about the centroid gives the convex order; with y pointing
    # down, increasing atan2 angle runs clockwise on screen.
    ang = np.arctan2(p[:, 1] - centre[1], p[:, 0] - centre[0])
    ring = p[np.argsort(ang)]
    start = int(np.argmin(np.hypot(ring[:, 0], ring[:, 1])))
    return np.roll(ring, -start, axis=0)


def is_clockwise(corners: np.ndarray) -> bool:
    """True when the corners run clockwise on screen (image y pointing down)."""
    c = np.asarray(corners, dtype=np.float64).reshape(-1, 2)
    x, y = c[:, 0], c[:, 1]
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) > 0


def is_convex_quad(corners: np.ndarray) -> bool:
    c = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    crosses = []
    for i in range(4):
        a, b, d = c[i], c[(i + 1) % 4], c[(i + 2) % 4]
        crosses.append((b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]))
    return all(x > 0 for x in crosses) or all(x < 0 for x in crosses)


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$")


def corners_from_arg(text: str, image_size: tuple[int, int] | None = None) -> np.ndarray:
    """Parse `"x,y x,y x,y x,y"` into ordered corners; BadInputError with one line on any fault.

    With `image_size` (width, height), corners outside the image are refused too.
    """
    parts = text.split()
    if len(parts) != 4:
        raise BadInputError(f"--corners needs 4 points 'x,y x,y x,y x,y', got {len(parts)}: {text!r}")
    pts = []
    for part in parts:
        m = _PAIR.match(part)
        if m is None:
            raise BadInputError(f"--corners: {part!r} is not a point 'x,y'")
        pts.append((float(m.group(1)), float(m.group(2))))
    arr = np.array(pts)
    if image_size is not None:
        w, h = image_size
        outside = [f"{x:g},{y:g}" for x, y in pts if not (0 <= x <= w - 1 and 0 <= y <= h - 1)]
        if outside:
            raise BadInputError(f"--corners: {' '.join(outside)} lies outside the {w}x{h} image")
    ordered = order_corners(arr)
    if not is_convex_quad(ordered):
        raise BadInputError("--corners: the four points do not form a convex quadrilateral")
    sides = np.linalg.norm(ordered - np.roll(ordered, -1, axis=0), axis=1)
    if sides.min() < 8:
        raise BadInputError("--corners: two corners are less than 8 pixels apart")
    return ordered
