"""Ground truth in the rectified (top-down) image the detector sees."""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from edge.board.position import Color, Point
from edge.rectify.geometry import RectifiedGeometry
from edge.synth.truth import LABEL_MIN_VISIBLE, RenderedBoard

Box = tuple[float, float, float, float]


def _warped_box(outline: np.ndarray, hmg: np.ndarray, side: int) -> Box | None:
    """Tight box of an image outline mapped into the rectified square, clipped to it."""
    pts = cv2.perspectiveTransform(outline.reshape(-1, 1, 2).astype(np.float64), hmg).reshape(-1, 2)
    x0, y0 = np.clip(pts.min(axis=0), 0, side)
    x1, y1 = np.clip(pts.max(axis=0), 0, side)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return float(x0), float(y0), float(x1), float(y1)


def rectified_truth(
    rendered: RenderedBoard, geometry: RectifiedGeometry, *, min_visible: float = LABEL_MIN_VISIBLE
) -> tuple[np.ndarray, list[tuple[Box, Color, Point]]]:
    """Warp a rendered frame to the rectified square and map each stone's outline
    through the same homography to its tight box there (clipped to the image).

    Stones a hand covers more than half of (`visible < min_visible`) are
    dropped: the detector should not be taught to see through hands.
    """
    hmg = geometry.homography(rendered.corners)
    side = geometry.image_px
    image = cv2.warpPerspective(rendered.image, hmg, (side, side), flags=cv2.INTER_LINEAR)
    labels: list[tuple[Box, Color, Point]] = []
    for stone in rendered.stones:
        if stone.visible < min_visible:
            continue
        box = _warped_box(stone.outline, hmg, side)
        if box is not None:
            labels.append((box, stone.color, stone.point))
    return image, labels


def rectified_ignore_regions(
    rendered: RenderedBoard,
    beside_board: Iterable[np.ndarray],
    geometry: RectifiedGeometry,
    *,
    min_visible: float = LABEL_MIN_VISIBLE,
) -> list[Box]:
    """Rectified boxes of what is a stone but not a label: the stones `rectified_truth`
    drops because a hand hides most of them, and the bowls and loose stones beside
    the board (`Scene.distractor_outlines`) that the margin of the square shows.

    Validation treats them as COCO-style ignore regions: a detection there is
    neither a hit nor a false alarm, because whether a half-hidden stone or a
    loose stone should be "found" is not the detector's question (the board
    stage keeps only stones on the grid).
    """
    hmg = geometry.homography(rendered.corners)
    side = geometry.image_px
    outlines = [s.outline for s in rendered.stones if s.visible < min_visible] + list(beside_board)
    return [box for box in (_warped_box(o, hmg, side) for o in outlines) if box is not None]
