"""What the detector hands to the board stage."""

from __future__ import annotations

from dataclasses import dataclass

from edge.board.position import Color


@dataclass(frozen=True)
class Detection:
    """One stone found in the rectified board image."""

    x0: float
    """Left edge of the box, rectified-image pixels."""
    y0: float
    """Top edge of the box."""
    x1: float
    """Right edge of the box."""
    y1: float
    """Bottom edge of the box."""
    color: Color
    """`"b"` or `"w"`."""
    score: float
    """Detector confidence in 0..1."""

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
