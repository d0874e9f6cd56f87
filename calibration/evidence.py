"""Where the thin dark lines are: the raw evidence the grid is fitted to.

Grid lines are a few pixels wide and darker than the wood around them; a
Hessian ridge filter picks out exactly such structures while ignoring the
broad dark areas of stones, shadows and the table. Everything happens on a
working copy at most `work_px` on its long side, so board finding costs the
same on a phone photo as on a webcam frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

WORK_PX = 640
"""Long side of the working image."""
_SIGMA = 1.2
"""Smoothing (working pixels) before measuring line shape: about a grid line's half width."""
_FLOOR = 3.0
"""Least response counted as a line at all."""
_COARSE_LEVEL = 0.15
"""Threshold of the response at twice the scale, as a fraction of its strong level: half the
fine one's, since smoothing at twice the scale leaves less noise to cut away."""


@dataclass(frozen=True)
class LineEvidence:
    scale: float
    """Working pixels per original image pixel (<= 1)."""
    original_size: tuple[int, int]
    """(width, height) of the original image."""
    gray: np.ndarray
    """Working grayscale image, uint8."""
    response: np.ndarray
    """Ridge response, float32, high on thin dark lines."""
    mask: np.ndarray
    """uint8 0/255: pixels whose response stands out from the image's background."""
    threshold: float
    """The response level that `mask` was cut at."""
    segments: np.ndarray
    """(n, 4) float64 line segments x0, y0, x1, y1 in working pixels."""
    scales: tuple[np.ndarray, np.ndarray]
    """The response at the working scale and at twice it (found at half resolution), each in
    units of its own threshold, for measuring lines: motion blur or defocus can smear one
    family of lines too wide for the working scale, and at twice it the gaps between
    crowded stones look like lines, so each family is measured at the scale where it shows
    (`grid`)."""


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def line_evidence(image: np.ndarray, work_px: int = WORK_PX, with_segments: bool = True) -> LineEvidence:
    """Evidence on a copy at most `work_px` on its long side (never enlarged).

    Without `with_segments` only the response is computed: that is what the
    final refinement at a finer scale needs.
    """
    gray = to_gray(image)
    h, w = gray.shape[:2]
    scale = min(1.0, work_px / float(max(h, w)))
    if scale < 1.0:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    response = ridge_response(gray)
    # Grid lines are the strongest thin structures in view but cover only a few
    # percent of it, so a high percentile is a scale for "strong" that does not
    # depend on lighting; the floor keeps sensor noise out of a blank frame.
    high = float(np.percentile(response[::2, ::2], 99.5))
    threshold = max(_FLOOR, 0.3 * high)
    mask = ((response > threshold).astype(np.uint8)) * 255
    segments = _segments(mask) if with_segments else np.zeros((0, 4))
    coarse, coarse_threshold = _coarse_response(gray)
    scales = (response / np.float32(threshold), coarse / np.float32(coarse_threshold))
    return LineEvidence(scale, (w, h), gray, response, mask, threshold, segments, scales)


def _coarse_response(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The ridge response at twice the scale (computed at half resolution, at full size again), and its threshold."""
    half = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(ridge_response(half), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return coarse, max(_FLOOR, _COARSE_LEVEL * float(np.percentile(coarse[::2, ::2], 99.5)))


def with_other_segments(evidence: LineEvidence, kind: str, fine: bool) -> LineEvidence:
    """The same evidence with segments found another way.

    Motion blur, defocus or raking light can leave one family of grid lines
    much fainter than the other, and the usual threshold then loses it.
    kind "faint": the response cut at half the threshold; "coarse": lines at
    twice the scale (half resolution), for lines blurred wide, each family
    measured against its own strength; "normal": as first found. `fine`:
    segments at full working resolution -- a board far away has lines too
    close together to survive halving.
    """
    factor = 1 if fine else None
    if kind == "normal":
        return replace(evidence, segments=_segments(evidence.mask, factor))
    if kind == "faint":
        mask = ((evidence.response > 0.5 * evidence.threshold).astype(np.uint8)) * 255
        return replace(evidence, segments=_segments(mask, factor))
    if kind != "coarse":
        raise ValueError(f"unknown segment kind {kind!r}")
    coarse, coarse_threshold = _coarse_response(evidence.gray)
    mask = ((np.maximum(coarse, evidence.response) > coarse_threshold).astype(np.uint8)) * 255
    return replace(evidence, segments=_segments(mask, factor))


def ridge_response(gray: np.ndarray, sigma: float = _SIGMA) -> np.ndarray:
    """How much each pixel lies on a thin dark line (a valley of the smoothed image).

    From the Hessian's eigenvalues: strongly curved across the line, flat
    along it. Blobs such as stones curve both ways and score low; smoothing
    first keeps sensor noise and wood grain from looking like lines. The dark
    side of a step (the board's edge against a bright table, a stone's rim)
    also curves like a valley, so the response is scaled by how much brighter
    the *darker* of the two sides is than the line: a line has wood on both.
    """
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), sigma)
    dxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3)
    dyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3)
    dxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3)
    # Eigenvalues of [[dxx, dxy], [dxy, dyy]], with OpenCV arithmetic (several
    # times faster than numpy on whole images).
    trace = cv2.add(dxx, dyy)
    diff = cv2.subtract(dxx, dyy)
    root = cv2.sqrt(cv2.add(cv2.multiply(diff, diff), cv2.multiply(dxy, dxy, scale=4.0)))
    across = cv2.add(trace, root, dtype=cv2.CV_32F)
    along = cv2.subtract(trace, root)
    # across and along are twice the eigenvalues; ridge = (l1 - |l2|) * sigma^2.
    ridge = cv2.max(cv2.subtract(across, cv2.absdiff(along, 0)), 0)
    ridge = cv2.multiply(ridge, 0.5 * sigma * sigma)
    across = cv2.multiply(across, 0.5)
    # Only responses that could matter are checked for balance.
    floor = max(_FLOOR, 0.15 * float(np.percentile(ridge[::3, ::3], 99.5)))
    found = cv2.findNonZero((ridge > floor).astype(np.uint8))
    if found is None:
        return ridge
    xs, ys = found[:, 0, 0], found[:, 0, 1]
    # Normal of the line: eigenvector of the larger eigenvalue, (across - dyy, dxy).
    vx = across[ys, xs] - dyy[ys, xs]
    vy = dxy[ys, xs]
    norm = np.sqrt(vx * vx + vy * vy)
    flat = norm < 1e-6
    vx = np.where(flat, 1.0, vx / np.maximum(norm, 1e-6)) * np.float32(2.5 * sigma)
    vy = np.where(flat, 0.0, vy / np.maximum(norm, 1e-6)) * np.float32(2.5 * sigma)
    px = xs.astype(np.float32)
    py = ys.astype(np.float32)
    one = _sample(g, px + vx, py + vy)
    two = _sample(g, px - vx, py - vy)
    centre = g[ys, xs]
    low = np.minimum(one, two) - centre
    high = np.maximum(one, two) - centre
    ridge[ys, xs] *= np.clip(low / np.maximum(high, 1e-3), 0.0, 1.0)
    return ridge


def _sample(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples at scattered points (cv2.remap wants 2-D maps of bounded width)."""
    n = len(x)
    width = 1024
    rows = -(-n // width)
    pad = rows * width - n
    mx = np.concatenate([x, np.zeros(pad, np.float32)]).reshape(rows, width)
    my = np.concatenate([y, np.zeros(pad, np.float32)]).reshape(rows, width)
    out = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(-1)[:n]


def _segments(mask: np.ndarray, factor: int | None = None) -> np.ndarray:
    # Segments only seed the vanishing points and the spacing; the lattice is
    # refined against `response` later. Half resolution is plenty for that and
    # the Hough transform costs a third as much there.
    if factor is None:
        factor = 2 if max(mask.shape) >= 480 else 1
    small = mask
    if factor > 1:
        small = cv2.resize(mask, (mask.shape[1] // factor, mask.shape[0] // factor), interpolation=cv2.INTER_AREA)
        small = ((small > 60).astype(np.uint8)) * 255
    min_len = max(8, round(max(small.shape) / 32))
    found = cv2.HoughLinesP(small, 1, np.pi / 180, threshold=min_len, minLineLength=min_len, maxLineGap=1)
    if found is None:
        return np.zeros((0, 4))
    return found.reshape(-1, 4).astype(np.float64) * factor + (factor - 1) / 2.0
