"""Argument types shared by several subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from edge.errors import BadInputError


def read_image(path: str | Path, exif: bool = False) -> np.ndarray:
    """Read an image as stored (or EXIF-rotated with `exif`); BadInputError when unreadable."""
    p = Path(path)
    if not p.is_file():
        raise BadInputError(f"{p}: no such image file")
    flags = cv2.IMREAD_COLOR if exif else cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imread(str(p), flags)
    if image is None:
        raise BadInputError(f"{p}: not a readable image")
    return image


def board_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"board size must be 9, 13 or 19, not {text!r}") from None
    if size not in (9, 13, 19):
        raise argparse.ArgumentTypeError(f"board size must be 9, 13 or 19, not {size}")
    return size
