"""Single images from disk: a photo to read, a frame to calibrate from."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from edge.capture.opencv import OpenCvSource
from edge.errors import BadInputError


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


def first_frame(recording: str | os.PathLike[str]) -> np.ndarray:
    """The first frame of a video file: what a recording is calibrated from."""
    source = OpenCvSource(str(recording))
    source.open()
    try:
        frame = source.read()
    finally:
        source.close()
    if frame is None:
        raise BadInputError(f"{recording} holds no frames")
    return frame.image
