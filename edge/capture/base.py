"""What every frame source gives and how it is driven."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Frame:
    timestamp: float
    """Seconds; wall-clock for live sources, frame time for recordings."""
    image: np.ndarray
    """BGR uint8 frame for detection (picamera2: the `lores` stream)."""
    full: np.ndarray | None = None
    """Full-resolution frame of the same exposure, when the source has one."""


class FrameSource(Protocol):
    """A camera, a stream, a video file or an image folder.

    `read` returns the next frame, or None at the end of a recording; a live
    source raises HardwareError when the device fails, and the caller decides
    whether to reopen it (see `edge.capture.reopen`).
    """

    name: str
    live: bool

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...
