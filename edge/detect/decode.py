"""Turning the network's dense output into stone boxes.

The network is a CenterNet-style detector at stride `stride` on the rectified
board. For every output cell it predicts:

- `heatmap[y, x, k]`: the probability that the centre of a stone of class k
  (0 black, 1 white) lies in the cell;
- `boxes[y, x, :]`: four sigmoid outputs `(u, v, s, t)` in 0..1 that encode
  the centre offset `dx = u * 3 - 1` (so cells next to a centre can point at
  it) and the size `w = s * 2 * size_scale` pixels; the stone centre is
  `((x + dx) * stride, (y + dy) * stride)`.

Bounding the box outputs with a sigmoid is what keeps the int8 model's boxes
as precise as the float model's: an unbounded linear output is quantised over
the range of whatever the untrained background cells emit, which made one
uint8 step worth more than a pixel of stone size.

Decoding keeps cells that are the maximum of their 3x3 neighbourhood (over both
classes, since a point holds one stone, unless `per_class`) and above the score threshold, reads
the box there, and runs an NMS (class-agnostic, unless `per_class`) that
removes the rare double peak on one stone. The .tflite file holds only the network; this file is the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import cv2
import numpy as np

from edge.board.position import Color
from edge.detect.types import Detection

CLASS_COLORS: tuple[Color, ...] = ("b", "w")
OFFSET_MIN, OFFSET_SPAN = -1.0, 3.0
"""Centre offsets in cells run from -1 to 2: the 3x3 cells around a centre all regress it."""


@dataclass(frozen=True)
class DecodeParams:
    stride: int = 4
    size_scale: float = 32.0
    score_threshold: float = 0.3
    """Lowest score kept; evaluation uses a low one to trace the whole PR curve."""
    nms_iou: float = 0.3
    """Low enough to merge the two peaks a tall stone seen at a slant sometimes gives (real photos),
    high enough that neighbouring stones, whose boxes barely overlap, both survive."""
    max_detections: int = 500
    per_class: bool = False
    """False (the appliance): one peak per place over both classes, since a point holds one stone.
    True: peaks and NMS per class, as CenterNet decodes for COCO evaluation, so a stone the
    network is torn about also gives a weaker box of its other colour, ranked low."""

    @classmethod
    def from_metadata(cls, decode: Mapping[str, Any]) -> "DecodeParams":
        known = {k: decode[k] for k in cls.__dataclass_fields__ if k in decode}
        return cls(**known)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; returns kept indices, best score first."""
    order = np.argsort(-scores, kind="stable")
    x0, y0, x1, y1 = boxes.T
    areas = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        iw = np.clip(np.minimum(x1[i], x1[rest]) - np.maximum(x0[i], x0[rest]), 0, None)
        ih = np.clip(np.minimum(y1[i], y1[rest]) - np.maximum(y0[i], y0[rest]), 0, None)
        inter = iw * ih
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def decode(heatmap: np.ndarray, boxes: np.ndarray, params: DecodeParams) -> list[Detection]:
    """Detections from one image's `heatmap` (h, w, 2) and `boxes` (h, w, 4)."""
    if not params.per_class:
        return _decode_peaks(heatmap.max(axis=-1), heatmap.argmax(axis=-1), boxes, params)
    found = [
        d
        for k in range(heatmap.shape[-1])
        for d in _decode_peaks(heatmap[..., k], np.full(heatmap.shape[:2], k), boxes, params)
    ]
    return sorted(found, key=lambda d: -d.score)[: params.max_detections]


def _decode_peaks(score: np.ndarray, cls: np.ndarray, boxes: np.ndarray, params: DecodeParams) -> list[Detection]:
    """Boxes at the peaks of one score map (h, w); each box's class is `cls` at its cell."""
    peaks = (score >= cv2.dilate(score, np.ones((3, 3), np.uint8))) & (score >= params.score_threshold)
    ys, xs = np.nonzero(peaks)
    if ys.size == 0:
        return []
    scores = score[ys, xs]
    u, v, s, t = boxes[ys, xs].T
    cx = (xs + u * OFFSET_SPAN + OFFSET_MIN) * params.stride
    cy = (ys + v * OFFSET_SPAN + OFFSET_MIN) * params.stride
    half_w = s * params.size_scale
    half_h = t * params.size_scale
    xyxy = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keep = nms(xyxy, scores, params.nms_iou)[: params.max_detections]
    return [
        Detection(
            float(xyxy[i, 0]), float(xyxy[i, 1]), float(xyxy[i, 2]), float(xyxy[i, 3]),
            CLASS_COLORS[int(cls[ys[i], xs[i]])], float(scores[i]),
        )
        for i in keep
    ]
