"""One frame through rectify -> detect -> board: the reading path.

Used by `goban-edge read` for a single photo, by `eval` for labelled sets,
and by `replay` and the daemon frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.board.grid_lines import line_visibility
from edge.board.mapping import BoardReading, MappingParams, map_to_board
from edge.detect.detector import StoneDetector
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry
from edge.rectify.warp import Rectifier


@dataclass(frozen=True)
class FrameResult:
    reading: BoardReading
    detections: list[Detection]
    """All detections down to the detector's threshold, rectified pixels."""
    rectified: np.ndarray
    detect_s: float


class BoardReader:
    def __init__(self, detector: StoneDetector, mapping: MappingParams = MappingParams()) -> None:
        self.detector = detector
        self.mapping = mapping

    @property
    def geometry(self) -> RectifiedGeometry:
        return self.detector.geometry

    def read(self, image: np.ndarray, rectifier: Rectifier, size: int) -> FrameResult:
        board = rectifier.rectify(image, self.geometry)
        detections = self.detector.detect(board)
        lines = line_visibility(board, size, self.geometry)
        reading = map_to_board(detections, size, self.geometry, self.mapping, lines)
        return FrameResult(reading, detections, board, self.detector.last_latency_s)

    def image_boxes(self, detections: list[Detection], rectifier: Rectifier) -> np.ndarray:
        """Detection boxes in camera pixels (n, 4): the box around each rectified box's corners."""
        if not detections:
            return np.zeros((0, 4))
        pts = np.array([[(d.x0, d.y0), (d.x1, d.y0), (d.x1, d.y1), (d.x0, d.y1)] for d in detections]).reshape(-1, 2)
        img = rectifier.to_image(pts, self.geometry).reshape(-1, 4, 2)
        return np.concatenate([img.min(axis=1), img.max(axis=1)], axis=1)
