"""Is something (a hand, an arm, a sleeve) over the board in this frame?

A placed stone changes the look of one intersection; a hand changes many at
once. Each frame is compared cell by cell with the rectified board as it
looked at the last stable position; the share of cells that changed a lot,
after removing the global brightness change (lighting drift, auto-exposure),
is the occlusion estimate the game follower uses to hold frames back.
"""

from __future__ import annotations

import cv2
import numpy as np


class OcclusionMeter:
    def __init__(self, board_size: int, grid_px: int = 76, threshold: float = 28.0) -> None:
        self.board_size = board_size
        self.grid_px = grid_px
        """Cells are measured on a small copy of the board, one pixel ~ a quarter cell."""
        self.threshold = threshold
        self._reference: np.ndarray | None = None

    def _cells(self, rectified: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(rectified, cv2.COLOR_BGR2GRAY) if rectified.ndim == 3 else rectified
        small = cv2.resize(gray, (self.grid_px, self.grid_px), interpolation=cv2.INTER_AREA)
        return cv2.resize(small.astype(np.float32), (self.board_size, self.board_size), interpolation=cv2.INTER_AREA)

    def measure(self, rectified: np.ndarray) -> float:
        """Fraction of board cells that look very different from the reference (0..1)."""
        cells = self._cells(rectified)
        if self._reference is None:
            self._reference = cells
            return 0.0
        diff = cells - self._reference
        diff -= np.median(diff)
        return float(np.mean(np.abs(diff) > self.threshold))

    def set_reference(self, rectified: np.ndarray) -> None:
        """The board as it looks now is the new normal (call on each accepted position)."""
        self._reference = self._cells(rectified)
