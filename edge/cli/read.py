"""`goban-edge read IMAGE`: the whole reading path for one photo.

Finds the board (or takes `--corners`; see `edge.photo`), rectifies it, detects the stones,
maps them to intersections and prints the position: an ASCII diagram, or one
JSON object with `--json`. Exit 0 on success, 2 for bad input, 3 when no board
is found.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from calibration.corner_model import CornerModel
from calibration.corners import corners_from_arg
from calibration.store import Calibration
from edge.capture.still import read_image
from edge.cli.args import board_size
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.photo import Read, read_photo
from edge.reading import BoardReader


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="read the position from one photo of a board")
    p.add_argument("image", help="image file")
    p.add_argument("--size", type=board_size, help="board size 9, 13 or 19 (default: detected)")
    p.add_argument("--corners", help='outer grid corners "x,y x,y x,y x,y" (default: found automatically)')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--exif", action="store_true", help="apply the EXIF orientation tag")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the .tflite model (default: shipped int8)")
    p.add_argument("--delegate", choices=("auto", "cpu", "edgetpu"), default="auto")
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(handler=run)


def locate_and_read(image: np.ndarray, reader: BoardReader, size: int | None, corners_text: str | None,
                    source: str, corner_model: CornerModel | None) -> Read:
    """One image's calibration and reading: from given corners, or found automatically (`edge.photo`)."""
    if not corners_text:
        return read_photo(image, reader, size, corner_model, source)
    height, width = image.shape[:2]
    corners = corners_from_arg(corners_text, (width, height))
    calibration = Calibration.from_corners(corners, size or 19, (width, height), source)
    return calibration, reader.read(image, calibration, calibration.board_size)


def run(args: argparse.Namespace) -> int:
    image = read_image(args.image, args.exif)
    reader = BoardReader(StoneDetector.load(args.model, delegate=args.delegate, threads=args.threads,
                                            score_threshold=0.1))
    corner_model = None if args.corners else CornerModel.load()
    calibration, result = locate_and_read(image, reader, args.size, args.corners, str(args.image), corner_model)
    reading = result.reading
    if args.json:
        print(json.dumps({
            "size": calibration.board_size,
            "rows": reading.position.rows(),
            "corners": [[round(float(x), 2), round(float(y), 2)] for x, y in calibration.corners],
            "stones": [
                {"row": r, "col": c, "color": color.upper(), "score": round(float(reading.scores[r, c]), 4)}
                for (r, c), color in reading.position
            ],
            "confidence": round(reading.overall_confidence, 4),
        }))
    else:
        print(reading.position.diagram())
        print(f"{reading.position.count('b')} black, {reading.position.count('w')} white; "
              f"confidence {reading.overall_confidence:.2f}; board {calibration.board_size}x{calibration.board_size} "
              f"({calibration.method} corners, grid-fit error "
              f"{'n/a' if calibration.grid_fit_error_px is None else f'{calibration.grid_fit_error_px:.2f} px'})")
    return 0
