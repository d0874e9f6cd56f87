"""Ground truth in the rectified (top-down) image the detector sees."""

from __future__ import annotations

import cv2
import numpy as np

from edge.board.position import Color, Point
from edge.rectify.geometry import RectifiedGeometry
from edge.synth.truth import RenderedBoard

Box = tuple[float, float, float, float]


def rectified_truth(
    rendered: RenderedBoard, geometry: RectifiedGeometry, *, min_visible: float = 0.5
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
        pts = cv2.perspectiveTransform(stone.outline.reshape(-1, 1, 2).astype(np.float64), hmg).reshape(-1, 2)
        x0, y0 = np.clip(pts.min(axis=0), 0, side)
        x1, y1 = np.clip(pts.max(axis=0), 0, side)
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        labels.append(((float(x0), float(y0), float(x1), float(y1)), stone.color, stone.point))
    return image, labels
