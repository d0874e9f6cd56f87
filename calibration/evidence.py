"""Where the thin dark lines are: the raw evidence the grid is fitted to.

Grid lines are a few pixels wide and darker than the wood around them; a
morphological black-hat picks out exactly such structures while ignoring the
broad dark areas of stones, shadows and the table. Everything happens on a
working copy at most `work_px` on its long side, so board finding costs the
same on a phone photo as on a webcam frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_PX = 640
"""Long side of the working image."""


@dataclass(frozen=True)
class LineEvidence:
    scale: float
    """Working pixels per original image pixel (<= 1)."""
    original_size: tuple[int, int]
    """(width, height) of the original image."""
    gray: np.ndarray
    """Working grayscale image, uint8."""
    response: np.ndarray
    """Black-hat response, float32, high on thin dark lines."""
    mask: np.ndarray
    """uint8 0/255: pixels whose response stands out from the image's background."""
    threshold: float
    """The response level that `mask` was cut at."""
    segments: np.ndarray
    """(n, 4) float64 line segments x0, y0, x1, y1 in working pixels."""


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def line_evidence(image: np.ndarray, work_px: int = WORK_PX) -> LineEvidence:
    gray = to_gray(image)
    h, w = gray.shape[:2]
    scale = min(1.0, work_px / float(max(h, w)))
    if scale < 1.0:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    response = blackhat.astype(np.float32)
    # Grid lines are the strongest thin structures in view but cover only a few
    # percent of it, so a high percentile is a scale for "strong" that does not
    # depend on lighting; the floor keeps sensor noise out of a blank frame.
    high = float(np.percentile(blackhat, 99.5))
    threshold = max(8.0, 0.3 * high)
    mask = ((blackhat > threshold).astype(np.uint8)) * 255
    min_len = max(12, round(max(gray.shape) / 40))
    found = cv2.HoughLinesP(mask, 1, np.pi / 180, threshold=min_len, minLineLength=min_len, maxLineGap=2)
    segments = np.zeros((0, 4)) if found is None else found.reshape(-1, 4).astype(np.float64)
    return LineEvidence(scale, (w, h), gray, response, mask, threshold, segments)
