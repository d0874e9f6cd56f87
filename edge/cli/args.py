"""Argument types shared by several subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from edge.errors import BadInputError


def parse_corners(text: str) -> np.ndarray:
    """`"x,y x,y x,y x,y"` -> (4, 2) float32, in the order given."""
    parts = text.replace(";", " ").split()
    if len(parts) != 4:
        raise BadInputError(f"--corners needs 4 points 'x,y x,y x,y x,y', got {len(parts)}: {text!r}")
    try:
        pts = [tuple(float(v) for v in p.split(",")) for p in parts]
    except ValueError:
        raise BadInputError(f"--corners: not numbers: {text!r}") from None
    if any(len(p) != 2 for p in pts):
        raise BadInputError(f"--corners: each point is 'x,y': {text!r}")
    arr = np.array(pts, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise BadInputError(f"--corners: not finite: {text!r}")
    return arr


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
