"""What one rendered frame returns: the image and its exact ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.board.position import Color, Point, Position

LABEL_MIN_VISIBLE = 0.5
"""A stone a hand covers more than half of is no label: no detector should be asked
to see through hands, and no reader to name what a single photo hides."""


@dataclass(frozen=True)
class StoneTruth:
    point: Point
    """Grid point in the frame of `RenderedBoard.corners`."""
    color: Color
    box: tuple[float, float, float, float]
    """x0, y0, x1, y1 image px: tight box of the whole stone silhouette (top and
    side as the camera sees them, so it includes the parallax of the stone's
    height); a hand over the stone does not shrink it, `visible` says how much
    of it the hand covers."""
    outline: np.ndarray
    """(K, 2) float32 image-px convex polygon of the stone silhouette."""
    visible: float
    """Fraction of the silhouette not covered by a hand or arm (0..1)."""

    @property
    def shown(self) -> bool:
        """Enough of it in view to be a label (`LABEL_MIN_VISIBLE`)."""
        return self.visible >= LABEL_MIN_VISIBLE


@dataclass(frozen=True)
class RenderedBoard:
    image: np.ndarray
    """(H, W, 3) uint8 BGR."""
    corners: np.ndarray
    """(4, 2) float32 image px of the outer grid corners, clockwise from the one
    nearest the image's top-left."""
    position: Position
    """The stones, in the row/col frame of `corners`."""
    stones: list[StoneTruth]
    occlusion: float
    """Fraction of the grid area covered by hands/arms (0 when none)."""
