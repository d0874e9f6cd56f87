"""Decoding the network's dense output (edge.detect.decode) on hand-made tensors."""

from __future__ import annotations

import numpy as np

from edge.detect.decode import DecodeParams, decode, nms

PARAMS = DecodeParams(stride=4, size_scale=32.0, score_threshold=0.3, nms_iou=0.5)


def _tensors(stones: list[tuple[float, float, float, int, float]], cells: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """stones: (cx, cy, diameter px, class, score) -> heatmap, boxes as the network would give them."""
    heat = np.zeros((cells, cells, 2), np.float32)
    boxes = np.zeros((cells, cells, 4), np.float32)
    for cx, cy, d, k, s in stones:
        ix, iy = int(cx // 4), int(cy // 4)
        heat[iy, ix, k] = s
        # A lower shoulder next to the peak must not become a second stone.
        heat[iy, min(ix + 1, cells - 1), k] = s * 0.6
        boxes[iy, ix] = ((cx / 4 - ix + 1) / 3, (cy / 4 - iy + 1) / 3, d / 64, d / 64)
    return heat, boxes


def test_boxes_and_colours_come_back() -> None:
    heat, boxes = _tensors([(50.5, 60.25, 16.0, 0, 0.9), (200.0, 120.0, 30.0, 1, 0.8)])
    dets = sorted(decode(heat, boxes, PARAMS), key=lambda d: d.x0)
    assert [d.color for d in dets] == ["b", "w"]
    assert np.allclose([dets[0].x0, dets[0].y0, dets[0].x1, dets[0].y1], [42.5, 52.25, 58.5, 68.25])
    assert np.allclose(dets[1].center, (200.0, 120.0)) and np.isclose(dets[1].x1 - dets[1].x0, 30.0)
    assert np.isclose(dets[0].score, 0.9, atol=1e-6)


def test_threshold_and_best_class_per_cell() -> None:
    heat, boxes = _tensors([(50.0, 50.0, 16.0, 0, 0.2), (150.0, 150.0, 16.0, 1, 0.7)])
    heat[37, 37, 0] = 0.4  # the same cell read weaker as black: one stone, white
    dets = decode(heat, boxes, PARAMS)
    assert len(dets) == 1 and dets[0].color == "w"


def test_per_class_decoding_gives_the_weaker_colour_too() -> None:
    """As CenterNet decodes for COCO evaluation: the stone the network is torn about is also a
    weaker black box at the same place; NMS works within a class."""
    heat, boxes = _tensors([(50.0, 50.0, 16.0, 0, 0.2), (150.0, 150.0, 16.0, 1, 0.7)])
    heat[37, 37, 0] = 0.4
    dets = decode(heat, boxes, DecodeParams(**{**PARAMS.__dict__, "per_class": True}))
    assert [(d.color, round(d.score, 2)) for d in dets] == [("w", 0.7), ("b", 0.4)]
    assert np.allclose(dets[0].center, dets[1].center)


def test_touching_stones_survive_nms_and_duplicates_do_not() -> None:
    boxes = np.array([[0, 0, 16, 16], [16, 0, 32, 16], [1, 1, 17, 17]], float)
    keep = nms(boxes, np.array([0.9, 0.8, 0.7]), 0.5)
    assert list(keep) == [0, 1]


def test_empty_output() -> None:
    heat, boxes = _tensors([])
    assert decode(heat, boxes, PARAMS) == []
