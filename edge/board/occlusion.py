"""Is something (a hand, an arm, a sleeve) over the board in this frame?

A placed stone changes the look of one intersection; a hand changes many at
once. Each frame is compared cell by cell with a reference picture of the
board; the share of cells that changed a lot, after removing the global
brightness change (lighting drift, auto-exposure), is the occlusion estimate
the game follower uses to hold frames back. It approximates the fraction of
the board covered.

The reference is the board as it last looked when nothing moved: the game
side sets it from a still, calm frame that agrees with the stable position
(`edge.follow.BoardWatch`), and the meter itself takes the picture once it has
held still for `settle_frames` frames. Hands move; a changed board (a capture
of many stones) does not, so a big but legitimate change is never mistaken for
a hand for long. What the game expects to change (captured stones being
lifted) the caller leaves out of the share it counts.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from edge.rectify.geometry import RectifiedGeometry

GRID_PX = 76
"""Cells are measured on a small copy of the board, one pixel ~ a quarter cell."""


def board_cells(rectified: np.ndarray, board_size: int) -> np.ndarray:
    """The (size, size) mean grey level around each point: all the meter keeps of a frame."""
    gray = cv2.cvtColor(rectified, cv2.COLOR_BGR2GRAY) if rectified.ndim == 3 else rectified
    small = cv2.resize(gray, (GRID_PX, GRID_PX), interpolation=cv2.INTER_AREA)
    return cv2.resize(small.astype(np.float32), (board_size, board_size), interpolation=cv2.INTER_AREA)


def stone_cells(points: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
    """(size, size): the cells of `board_cells` that a stone on each marked point covers.

    The cells divide the whole square, margins included, so they drift away from
    the points towards the edges; a stone near the edge covers cells a row or
    column further in, one on a cell boundary covers two.
    """
    return _footprints(points.shape[0], geometry)[points.ravel()].any(axis=0)


@functools.lru_cache(maxsize=8)
def _footprints(n: int, geometry: RectifiedGeometry) -> np.ndarray:
    """(n * n, n, n): per point, row-major, the cells a stone there covers; the watch asks every frame."""
    cell = geometry.image_px / n
    spacing = geometry.spacing(n)
    radius = spacing / 2
    out = np.zeros((n * n, n, n), dtype=bool)
    for row, col in np.ndindex(n, n):
        x, y = geometry.margin_px + col * spacing, geometry.margin_px + row * spacing
        c0, c1 = (int(np.clip(v // cell, 0, n - 1)) for v in (x - radius, x + radius))
        r0, r1 = (int(np.clip(v // cell, 0, n - 1)) for v in (y - radius, y + radius))
        out[row * n + col, r0:r1 + 1, c0:c1 + 1] = True
    out.flags.writeable = False
    return out


class OcclusionMeter:
    """Frames' `board_cells` in, the cells that look changed out.

    It keeps two references. The board's look is set from outside, from a frame the game
    accepted (`set_reference`). The meter also settles on whatever has held still for
    `settle_frames`, so that a lasting change of light stops counting; but so does a hand
    resting on the board. A cell counts as changed only where it differs from both: once
    the hand has gone, the board looks as it did and nothing is covered."""

    def __init__(self, threshold: float = 14.0, settle_frames: int = 4) -> None:
        self.threshold = threshold
        """Grey-level change of a cell's mean that counts as changed. Low: an arm's soft shadow
        changes cells by about twice this, and must count as over the board, not pass for the
        look of it (or, taken as the reference, leave a ghost of itself once it has gone)."""
        self.settle_frames = settle_frames
        self._settled: np.ndarray | None = None
        self._look: np.ndarray | None = None
        self._previous: np.ndarray | None = None
        self._still = 0

    def _changed(self, cells: np.ndarray, against: np.ndarray | None) -> np.ndarray:
        if against is None:
            return np.zeros(cells.shape, dtype=bool)
        diff = cells - against
        diff -= np.median(diff)
        return np.abs(diff) > self.threshold

    def changed(self, cells: np.ndarray) -> np.ndarray:
        """(size, size): the cells that look different from what the meter settled on and from the
        board's look (none before there is a reference)."""
        changed = self._changed(cells, self._settled)
        return changed if self._look is None else changed & self._changed(cells, self._look)

    def changed_from_look(self, cells: np.ndarray) -> np.ndarray:
        """(size, size): the cells that look different from the board's look alone (before one
        is set, from what the meter settled on)."""
        return self._changed(cells, self._look if self._look is not None else self._settled)

    def observe(self, cells: np.ndarray) -> np.ndarray:
        """Take in the next frame's `cells`; those that look changed (`changed`)."""
        if self._settled is None or self._previous is None:
            self._settled = self._previous = cells
            return np.zeros(cells.shape, dtype=bool)
        moving = bool(self._changed(cells, self._previous).any())
        self._previous = cells
        self._still = 0 if moving else self._still + 1
        if self._still >= self.settle_frames:
            self._settled = cells
        return self.changed(cells)

    @property
    def still(self) -> bool:
        """The last frame measured looked like the one before: nothing was moving over the board."""
        return self._still > 0

    @property
    def still_frames(self) -> int:
        """Frames in a row, up to the last one measured, that looked like the one before."""
        return self._still

    def set_reference(self, cells: np.ndarray) -> None:
        """The board as it looks now is the new normal (an accepted position)."""
        self._settled = self._look = cells
