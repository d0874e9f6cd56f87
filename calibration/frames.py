"""Where calibration frames come from: an image file, or the configured camera."""

from __future__ import annotations

import os

import numpy as np

from edge.capture.factory import open_source
from edge.capture.still import read_image
from edge.config import load_config
from edge.errors import HardwareError

__all__ = ["frame_from_source", "read_image"]

SETTLE_FRAMES = 5
"""Frames dropped first, while the camera's auto-exposure and white balance settle."""


def frame_from_source(config: str | os.PathLike[str]) -> np.ndarray:
    """Grab one frame from the camera source named in a goban-edge configuration file.

    Raises ConfigError for a bad file, HardwareError when the camera gives no frame.
    """
    source = open_source(load_config(config).camera)
    source.open()
    try:
        frame = None
        for _ in range(1 if not source.live else SETTLE_FRAMES):
            frame = source.read() or frame
        if frame is None:
            raise HardwareError(f"{source.name} delivered no frame")
        return frame.image
    finally:
        source.close()
