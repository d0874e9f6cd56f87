"""`goban-edge eval`: score the whole reading path on a labelled set."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from calibration.corner_model import CornerModel
from calibration.corners import order_corners
from calibration.store import Calibration
from edge.capture.still import read_image
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.evaluation import command
from edge.evaluation.samples import ImageBox, KnownBoard, Prediction, Reader
from edge.photo import read_photo
from edge.reading import BoardReader


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score detection (mAP) and board reading on a labelled set")
    command.add_arguments(p)
    p.set_defaults(handler=lambda args: command.run(args, make_reader))


def make_reader(model: Path | None) -> Reader:
    """One reader per worker process: the model is loaded once, then each image is read whole."""
    # Low threshold: detections feed the precision-recall curve; the board reading
    # still places only stones above the mapping threshold.
    reader = BoardReader(StoneDetector.load(model or DEFAULT_MODEL, delegate="cpu", threads=1, score_threshold=0.05))
    # Loaded only for a set whose boards must be found: labelled corners need no corner finder.
    corner_model = functools.cache(CornerModel.load)

    def read(path: Path, board: KnownBoard | None) -> Prediction:
        image = read_image(path)
        if board is None:
            calibration, result = read_photo(image, reader, None, corner_model(), str(path))
        else:
            height, width = image.shape[:2]
            corners = order_corners(board.corners)
            calibration = Calibration.from_corners(corners, board.size, (width, height), str(path))
            result = reader.read(image, calibration, calibration.board_size)
        boxes = reader.image_boxes(result.detections, calibration)
        return Prediction(
            position=result.reading.position,
            detections=[ImageBox(*map(float, b), d.color, d.score) for b, d in zip(boxes, result.detections)],
            corners=calibration.corners,
        )

    return read
