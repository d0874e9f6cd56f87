"""Boxes of many images as flat numpy arrays, the form the metrics work on.

Boxes are kept as COCO does, (x, y, width, height) in float64, and IoU takes the
right edge as `x + width`, so figures computed from a COCO file agree with
pycocotools to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from edge.evaluation.classes import COLOR_INDEX
from edge.evaluation.samples import ImageBox


@dataclass(frozen=True)
class BoxArrays:
    """N boxes: which image, which class, where, how sure."""

    image: np.ndarray
    """(N,) int64 index into the evaluation's image list; ties in score are
    broken by this order, as pycocotools breaks them by sorted image id."""
    label: np.ndarray
    """(N,) int64 class index (see `classes.CLASS_NAMES`)."""
    xywh: np.ndarray
    """(N, 4) float64 (x, y, width, height) in image pixels."""
    score: np.ndarray
    """(N,) float64 confidence; ones for ground truth."""

    def __post_init__(self) -> None:
        n = len(self.image)
        if self.label.shape != (n,) or self.xywh.shape != (n, 4) or self.score.shape != (n,):
            raise ValueError("BoxArrays fields must all describe the same number of boxes")

    def __len__(self) -> int:
        return len(self.image)

    @classmethod
    def build(
        cls,
        image: Sequence[int] | np.ndarray,
        label: Sequence[int] | np.ndarray,
        xywh: Sequence[Sequence[float]] | np.ndarray,
        score: Sequence[float] | np.ndarray | None = None,
    ) -> "BoxArrays":
        image_a = np.asarray(image, dtype=np.int64).reshape(-1)
        xywh_a = np.asarray(xywh, dtype=np.float64).reshape(-1, 4)
        score_a = (
            np.ones(len(image_a), dtype=np.float64)
            if score is None
            else np.asarray(score, dtype=np.float64).reshape(-1)
        )
        return cls(image_a, np.asarray(label, dtype=np.int64).reshape(-1), xywh_a, score_a)

    @classmethod
    def empty(cls) -> "BoxArrays":
        return cls.build([], [], np.zeros((0, 4)), [])

    @classmethod
    def from_image_boxes(cls, per_image: Sequence[Sequence[ImageBox]]) -> "BoxArrays":
        """Boxes of image i go in with image index i, in the order given."""
        return cls.from_rows([box_rows(boxes) for boxes in per_image])

    @classmethod
    def from_rows(cls, per_image: Sequence[np.ndarray]) -> "BoxArrays":
        """Join per-image `box_rows` arrays; image i gets index i."""
        counts = [len(rows) for rows in per_image]
        if not sum(counts):
            return cls.empty()
        rows = np.concatenate([r for r in per_image if len(r)])
        return cls.build(
            np.repeat(np.arange(len(per_image)), counts), rows[:, 5].astype(np.int64), rows[:, :4], rows[:, 4]
        )


def box_rows(boxes: Sequence[ImageBox]) -> np.ndarray:
    """(N, 6) float64 rows (x, y, width, height, score, class index) of one image's boxes.

    Readers hand over Python objects; turning each image's boxes into an array as
    its reading arrives (in the worker) keeps a per-box Python loop out of scoring.
    """
    if not boxes:
        return np.zeros((0, 6))
    rows = np.array(
        [(b.x0, b.y0, b.x1, b.y1, b.score, COLOR_INDEX[b.color]) for b in boxes], dtype=np.float64
    )
    rows[:, 2:4] -= rows[:, 0:2]
    return rows
