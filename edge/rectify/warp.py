"""Warping a camera frame into the detector's rectified board image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from edge.rectify.geometry import RectifiedGeometry


def rectify(image: np.ndarray, corners: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
    """The board top-down: outer grid corners land on `geometry.grid_corners()`.

    Large frames are area-averaged first so the warp does not alias fine grain
    (a 2048 px phone photo onto 320 px would otherwise shimmer).
    """
    corners = np.asarray(corners, dtype=np.float32).reshape(4, 2)
    side = max(np.linalg.norm(corners[i] - corners[(i + 1) % 4]) for i in range(4))
    target = geometry.image_px - 2 * geometry.margin_px
    factor = 1.0
    if side > 2.5 * target:
        factor = 2.0 * target / side
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    homography = geometry.homography(corners * factor)
    return cv2.warpPerspective(image, homography, (geometry.image_px, geometry.image_px), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def to_image_points(points: np.ndarray, corners: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
    """Rectified-image points back to camera-image points, (n, 2)."""
    inv = np.linalg.inv(geometry.homography(corners))
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, inv).reshape(-1, 2)


class Rectifier(Protocol):
    """Anything that knows where the board is: manual corners or a saved calibration."""

    corners: np.ndarray

    def rectify(self, image: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray: ...

    def to_image(self, points: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray: ...


@dataclass(frozen=True)
class CornerRectifier:
    """Corners given by hand (or by the renderer's truth), no lens correction."""

    corners: np.ndarray

    def rectify(self, image: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
        return rectify(image, self.corners, geometry)

    def to_image(self, points: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
        return to_image_points(points, self.corners, geometry)
