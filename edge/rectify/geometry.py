"""Where the board lies in the rectified image.

The detector sees a square image in which the board's outer grid lines form an
axis-aligned square inset by `margin_px`, so edge stones (and their parallax
shift towards the far edge) are whole. Grid points are evenly spaced inside it,
which is what lets one model serve 9x9, 13x13 and 19x19 boards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.board.position import Point


@dataclass(frozen=True)
class RectifiedGeometry:
    image_px: int = 320
    """Side of the square rectified image."""
    margin_px: float = 28.0
    """Distance from the image edge to the outer grid lines."""

    def grid_corners(self) -> np.ndarray:
        """The outer grid corners, clockwise from top-left, float32 (4, 2)."""
        lo, hi = self.margin_px, self.image_px - 1 - self.margin_px
        return np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=np.float32)

    def spacing(self, board_size: int) -> float:
        return (self.image_px - 1 - 2 * self.margin_px) / (board_size - 1)

    def intersection(self, point: Point, board_size: int) -> tuple[float, float]:
        """Pixel (x, y) of grid point `(row, col)`."""
        row, col = point
        step = self.spacing(board_size)
        return (self.margin_px + col * step, self.margin_px + row * step)

    def intersections(self, board_size: int) -> np.ndarray:
        """All grid points as (size, size, 2) pixel coordinates (x, y)."""
        idx = self.margin_px + np.arange(board_size) * self.spacing(board_size)
        xs, ys = np.meshgrid(idx, idx)
        return np.stack([xs, ys], axis=-1)

    def homography(self, corners: np.ndarray) -> np.ndarray:
        """Homography from image pixels to rectified pixels for these board corners."""
        src = np.asarray(corners, dtype=np.float32).reshape(4, 2)
        import cv2

        return cv2.getPerspectiveTransform(src, self.grid_corners())
