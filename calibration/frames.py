"""Where calibration frames come from: an image file, or (later) the configured camera."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from edge.errors import BadInputError, HardwareError


def read_image(path: str | os.PathLike[str], exif: bool = False) -> np.ndarray:
    """Read an image as BGR uint8, as stored (EXIF orientation applied only with `exif`).

    Camera frames carry no EXIF, and the expected positions of phone photos
    follow the raw pixels, so rotation by metadata must be asked for.
    """
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"image {p} does not exist")
    if p.is_dir():
        raise BadInputError(f"image {p} is a directory, not an image file")
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise BadInputError(f"cannot read image {p}: {exc.strerror or exc}") from None
    flags = cv2.IMREAD_COLOR if exif else cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise BadInputError(f"image {p} is not a readable image file")
    return image


def frame_from_source(config: str | os.PathLike[str]) -> np.ndarray:
    """Grab one frame from the camera source named in a goban-edge configuration file.

    Hook for `edge.capture`: until capture is wired in, a source cannot be
    opened from here and the caller is told to pass an image file instead.
    """
    if not Path(config).exists():
        raise BadInputError(f"configuration file {config} does not exist")
    raise HardwareError(
        f"reading a frame from the camera source in {config} is not available in this build: pass an image file"
    )
