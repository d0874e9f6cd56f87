"""Preview images: the fitted grid drawn over the camera frame, for a human to judge."""

from __future__ import annotations

import os

import cv2
import numpy as np

from calibration.grid import apply_homography
from calibration.store import Calibration
from edge.atomic import atomic_write_bytes
from edge.errors import BadInputError

_GRID = (0, 0, 255)
_OUTLINE = (0, 255, 0)
_FIRST_CORNER = (255, 128, 0)


def draw_preview(image: np.ndarray, calibration: Calibration, note: str = "") -> np.ndarray:
    """A copy of `image` (BGR) with every grid line of `calibration`, bent by its lens model."""
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    n = calibration.board_size
    h_lat = calibration.lattice_homography()
    thickness = max(1, round(max(out.shape[:2]) / 800))
    t = np.linspace(0.0, n - 1.0, 8 * (n - 1) + 1)
    for i in range(n):
        for pts in (np.stack([np.full_like(t, i), t], axis=1), np.stack([t, np.full_like(t, i)], axis=1)):
            cam = calibration.lens.distort_points(apply_homography(h_lat, pts))
            colour = _OUTLINE if i in (0, n - 1) else _GRID
            cv2.polylines(out, [np.round(cam * 16).astype(np.int32)], False, colour, thickness, cv2.LINE_AA, shift=4)
    for k, (x, y) in enumerate(calibration.corners):
        centre = (int(round(x)), int(round(y)))
        cv2.circle(out, centre, 4 * thickness, _FIRST_CORNER if k == 0 else _OUTLINE, -1, cv2.LINE_AA)
        cv2.putText(out, str(k), (centre[0] + 6 * thickness, centre[1] - 6 * thickness), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * thickness, _FIRST_CORNER, thickness, cv2.LINE_AA)
    err = calibration.grid_fit_error_px
    text = f"{n}x{n}  fit {err:.2f}px" if err is not None else f"{n}x{n}  manual corners"
    if not calibration.lens.is_identity:
        text += f"  k1={calibration.lens.k1:+.3f}"
    if note:
        text += "  " + note
    cv2.putText(out, text, (10, 24 * thickness), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * thickness, (0, 0, 0), 3 * thickness, cv2.LINE_AA)
    cv2.putText(out, text, (10, 24 * thickness), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * thickness, (255, 255, 255), thickness, cv2.LINE_AA)
    return out


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise BadInputError(f"could not encode the preview for {path}")
    atomic_write_bytes(path, data.tobytes())
