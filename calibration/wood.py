"""The board's wood: where a forearm hides its lines and corners, its top face still shows.

The wood left between and around the fingers is one colour, unlike the table,
the bowls and the arm, and the regions of that colour taken together span the
whole board: their hull bridges the arm. So the frame's colours are clustered
(chroma weighted over lightness, so that the light falling across one wood
keeps it one cluster) and each cluster's larger regions are hulled; the four
hull vertices that span the most area are a candidate outline of the wood. Nothing
here says which candidate is the board: the stones read inside each do
(`edge.photo`), so a table of the board's colour costs a candidate, not a
wrong board.
"""

from __future__ import annotations

from itertools import combinations

import cv2
import numpy as np

_WORK = (160, 120)
"""Frame size (w, h) the colours are clustered at: the outline is refined by the stones, not here."""
_CLUSTERS = 6
"""Colours a frame is split into: table, wood, arm, black and white stones, bowls or shadow, so
that the wood keeps a cluster of its own."""
_WEIGHTS = np.float32([0.5, 2.0, 2.0])
"""Lab weights: shading changes a wood's lightness far more than its hue."""
_ROUNDS = 10
"""k-means rounds, fixed rather than run to convergence, so that a frame always takes the same
time: after ten, about 2% of the pixels or fewer still changed cluster from one round to the next
on the boards measured (session 22)."""
_LEAST_REGION = 0.0025
"""Share of the frame a region needs to join its cluster's hull: specks of a colour are not the board."""
_AREA = (0.03, 0.9)
"""Shares of the frame a wood's hull may cover: smaller is a bowl or a stone, larger the table."""
_SIMPLIFY = 0.01
"""Tolerance, as a share of the hull's perimeter, within which its vertices are thinned."""


def wood_outlines(image: np.ndarray) -> list[np.ndarray]:
    """Candidate outlines (4, 2) of the board's top face in image pixels, one per colour cluster
    whose regions are of a board's size, corners in no set order."""
    height, width = image.shape[:2]
    small = cv2.resize(image, _WORK, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2LAB)
    labels = _clusters(lab.reshape(-1, 3).astype(np.float32) * _WEIGHTS).reshape(_WORK[1], _WORK[0])
    scale = np.array([width / _WORK[0], height / _WORK[1]])
    outlines = []
    for cluster in range(_CLUSTERS):
        hull = _hull(labels == cluster)
        if hull is None:
            continue
        quad = _four_corners(hull)
        if quad is not None:
            outlines.append((quad + 0.5) * scale)
    return outlines


def _clusters(points: np.ndarray) -> np.ndarray:
    """k-means labels of `points` (N, 3), started the k-means++ way from a fixed seed so that the
    same frame always clusters the same way."""
    rng = np.random.default_rng(0)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, _CLUSTERS):
        nearest = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        if not nearest.any():
            break  # fewer colours than clusters
        centres.append(points[rng.choice(len(points), p=nearest / nearest.sum())])
    centres = np.stack(centres)
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(_ROUNDS):
        labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=-1), axis=1)
        for k in range(len(centres)):
            members = points[labels == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    return labels


def _hull(mask: np.ndarray) -> np.ndarray | None:
    """The convex hull (N, 1, 2) of a cluster's larger regions, or None where it is no board's size."""
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, regions, stats, _ = cv2.connectedComponentsWithStats(mask)
    frame = mask.size
    large = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= _LEAST_REGION * frame]
    if not large:
        return None
    ys, xs = np.nonzero(np.isin(regions, large))
    hull = cv2.convexHull(np.column_stack([xs, ys]).astype(np.float32))
    return hull if _AREA[0] * frame <= cv2.contourArea(hull) <= _AREA[1] * frame else None


def _four_corners(hull: np.ndarray) -> np.ndarray | None:
    """The four of the hull's (thinned) vertices that span the most area: the wood's corners, where
    its hull is the wood with a corner cut off (by a stone, a fingertip) and gaps bridged."""
    vertices = cv2.approxPolyDP(hull, _SIMPLIFY * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(vertices) < 4:
        return None
    best = max(combinations(vertices, 4), key=lambda four: cv2.contourArea(np.array(four)))
    return np.array(best, dtype=np.float64)
