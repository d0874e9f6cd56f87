"""Pictures of wrongly read boards with the wrong intersections circled.

The reader's board corners (image pixels, raw orientation: EXIF is ignored, as
the labels ignore it) place each grid point: the rectified grid position goes
back through the inverse of the image-to-rectified homography. A wrong point is
named in the label's orientation, so it is first turned back into the reading's.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.board.position import Point, Position
from edge.evaluation.board_metrics import BoardResult, inverse_symmetry
from edge.rectify.geometry import RectifiedGeometry

MAX_SIDE_PX = 1280
_EXPECTED_INK = {"b": (0, 0, 0), "w": (255, 255, 255), None: (0, 200, 255)}
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _reading_point(point: Point, symmetry: int, size: int) -> Point:
    """Where a point of the aligned reading lies in the reading as it came."""
    turned = Position(size, {point: "b"}).symmetries()[inverse_symmetry(symmetry)]
    return next(iter(turned.stones))


def grid_to_image(points: list[Point], size: int, corners: np.ndarray, geometry: RectifiedGeometry) -> np.ndarray:
    """(N, 2) image pixels of grid points of a board with these corners."""
    to_rectified = geometry.homography(np.asarray(corners, dtype=np.float32))
    rectified = np.array([geometry.intersection(p, size) for p in points], dtype=np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(rectified, np.linalg.inv(to_rectified)).reshape(-1, 2)


def draw_board_errors(
    image: np.ndarray,
    result: BoardResult,
    corners: np.ndarray,
    geometry: RectifiedGeometry = RectifiedGeometry(),
) -> np.ndarray:
    """A copy of `image` (BGR) scaled to at most MAX_SIDE_PX, with every wrong
    intersection circled in red and filled with the expected stone colour."""
    size = result.expected.size
    scale = min(1.0, MAX_SIDE_PX / max(image.shape[:2]))
    out = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image.copy()
    wrong = [(e.row, e.col) for e in result.errors]
    in_reading = [_reading_point(p, result.symmetry, size) for p in wrong]
    # Two neighbouring grid points give the local spacing, hence the circle size.
    anchors = [(0, 0), (0, size - 1), (size - 1, 0)]
    xy = grid_to_image(in_reading + anchors, size, corners, geometry) * scale
    a, b, c = xy[-3:]
    spacing = min(np.linalg.norm(b - a), np.linalg.norm(c - a)) / (size - 1)
    radius = max(4, int(round(spacing * 0.55)))
    cv2.polylines(out, [np.round(np.asarray(corners) * scale).astype(np.int32).reshape(-1, 1, 2)], True, (0, 200, 0), 1)
    for error, (x, y) in zip(result.errors, xy[:-3]):
        centre = (int(round(x)), int(round(y)))
        cv2.circle(out, centre, max(2, radius // 3), _EXPECTED_INK[error.expected], -1, cv2.LINE_AA)
        cv2.circle(out, centre, radius, (0, 0, 255), 2, cv2.LINE_AA)
    banner = f"{result.image.name}: {len(result.errors)} wrong (red circles; dot = expected)"
    cv2.rectangle(out, (0, 0), (min(out.shape[1], 12 + 9 * len(banner)), 26), (255, 255, 255), -1)
    cv2.putText(out, banner, (6, 18), _FONT, 0.5, (0, 0, 200), 1, cv2.LINE_AA)
    return out


def encode_jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return data.tobytes()
