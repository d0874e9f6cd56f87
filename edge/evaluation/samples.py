"""The plain types the evaluator passes around: labelled samples and readings.

Boxes are in ORIGINAL image pixels (x0, y0, x1, y1), not rectified ones, so a
labelled set exported by Roboflow or CVAT can be compared with a reading without
knowing where the board lies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Literal, Sequence

import numpy as np

from edge.board.position import Color, Point, Position

DatasetFormat = Literal["coco", "yolo", "board"]


@dataclass(frozen=True)
class ImageBox:
    """One stone's box in original image pixels."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: Color
    score: float = 1.0
    """Detector confidence; 1.0 for a ground-truth label."""


@dataclass(frozen=True)
class Sample:
    """One labelled image: stone boxes, a board position, or both."""

    image: Path
    label: Path
    """The file the labels came from (named in messages)."""
    boxes: tuple[ImageBox, ...] | None = None
    """Ground-truth stones; None when the set labels positions only."""
    position: Position | None = None
    """Ground-truth position; None when the set labels boxes only."""
    hidden: frozenset[Point] = frozenset()
    """Points of `position` the photo cannot show (under a hand): not scored."""
    corners: np.ndarray | None = None
    """The board's true outer grid corners (4, 2) in image pixels, when the set gives them."""


@dataclass(frozen=True)
class Dataset:
    """A loaded labelled set, ready to evaluate."""

    root: Path
    format: DatasetFormat
    samples: tuple[Sample, ...]
    fixed_orientation: bool = False
    """True when every image shows the board the way its label is written, so
    readings are not compared up to the board's 8 symmetries."""
    problems: tuple[str, ...] = ()
    """Bad input skipped under `skip_bad`, one line each."""
    notes: tuple[str, ...] = ()
    """Things the loader chose to ignore (non-stone classes, unlabelled images)."""

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)

    @property
    def has_boxes(self) -> bool:
        return any(s.boxes is not None for s in self.samples)

    @property
    def has_positions(self) -> bool:
        return any(s.position is not None for s in self.samples)


@dataclass(frozen=True)
class Prediction:
    """What a reader made of one image."""

    position: Position | None = None
    detections: Sequence[ImageBox] = field(default_factory=list)
    """Stones found, in original image pixels, with scores."""
    error: str | None = None
    """Why there is no reading (e.g. "no board found"); None when it worked."""
    corners: np.ndarray | None = None
    """Board grid corners (4, 2) in image pixels, clockwise from top-left; lets
    the failure gallery circle wrong intersections."""


@dataclass(frozen=True)
class KnownBoard:
    """Where the board is, handed to a reader that is told (`eval --known-corners`) instead
    of finding it: what a saved calibration tells the appliance."""

    corners: np.ndarray
    """(4, 2) outer grid corners in image pixels."""
    size: int


Reader = Callable[[Path, KnownBoard | None], Prediction]
ReaderFactory = Callable[[], Reader]
"""Builds a reader once per worker process, so a model is loaded once per process."""
