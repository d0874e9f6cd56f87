"""Image width and height from the file header, without decoding the pixels.

YOLO labels are fractions of the image size; reading thousands of images in full
just to learn their size would dominate loading a set. Sizes are the stored
(raw) pixel sizes: EXIF orientation is not applied, matching how labels made on
raw pixels are meant.
"""

from __future__ import annotations

import struct
from pathlib import Path

from edge.errors import BadInputError

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image; BadInputError if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return int(width), int(height)
            if head.startswith(b"\xff\xd8"):
                size = _jpeg_size(fh)
                if size is not None:
                    return size
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read image ({exc.strerror or exc})") from None
    return _decoded_size(path)


def _jpeg_size(fh) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    fh.seek(2)
    while True:
        byte = fh.read(1)
        while byte == b"\xff":
            byte = fh.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        length_bytes = fh.read(2)
        if len(length_bytes) < 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if marker in _JPEG_SOF:
            data = fh.read(5)
            if len(data) < 5:
                return None
            height, width = struct.unpack(">HH", data[1:5])
            return int(width), int(height)
        if marker == 0xDA:  # start of scan without a frame header: not a JPEG we know
            return None
        fh.seek(length - 2, 1)


def _decoded_size(path: Path) -> tuple[int, int]:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None:
        raise BadInputError(f"{path}: not an image OpenCV can read")
    return int(image.shape[1]), int(image.shape[0])
