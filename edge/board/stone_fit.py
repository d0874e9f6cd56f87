"""How well a reading's confident stones sit on its board's intersections.

Stones are played on intersections, so on a board placed right nearly every
confident detection lies on a lattice point once the parallax field is taken
off. On a board read at the wrong size, or outlined a line or so off, most land
between them: the stones say whether the board was placed right even where its
lines cannot be seen (a crowded or blurred board).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.board.mapping import BoardReading
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry

CONFIDENT = 0.5
"""Detections scoring this or more are judged: weaker ones include the phantoms."""
ON_POINT = 0.2
"""Largest distance from an intersection, in grid spacings, of a stone that sits on it."""


@dataclass(frozen=True)
class StoneFit:
    stones: int
    """Confident detections anywhere in the rectified image."""
    on_points: int
    """Those within `ON_POINT` of an intersection of the board."""

    @property
    def share(self) -> float:
        return self.on_points / self.stones if self.stones else 0.0


def _confident_centres(detections: list[Detection], reading: BoardReading) -> np.ndarray:
    """The confident detections' centres with the reading's parallax field taken off, rectified pixels."""
    centers = np.array([d.center for d in detections if d.score >= CONFIDENT], dtype=np.float64).reshape(-1, 2)
    return centers - np.column_stack([centers, np.ones(len(centers))]) @ reading.shift


def _on_points(grid: np.ndarray, size: int) -> int:
    """How many stones at lattice coordinates `grid` sit on a point of a `size` board."""
    # A stone beyond the outer lines sits on no point of this board, however near a lattice point.
    inside = np.all((grid > -0.5) & (grid < size - 0.5), axis=1)
    near = np.linalg.norm(grid - np.rint(grid), axis=1) <= ON_POINT
    return int(np.sum(inside & near))


def stone_fit(detections: list[Detection], reading: BoardReading, geometry: RectifiedGeometry) -> StoneFit:
    size = reading.position.size
    grid = (_confident_centres(detections, reading) - geometry.margin_px) / geometry.spacing(size)
    return StoneFit(len(grid), _on_points(grid, size))


def corners_through_stones(detections: list[Detection], reading: BoardReading, geometry: RectifiedGeometry,
                           min_stones: int) -> np.ndarray | None:
    """Where the board's outer corners lie in the rectified image (4, 2) if its lattice passes
    through the stones near its points (within twice `ON_POINT`, after the parallax field),
    or None with fewer than `min_stones` such stones. An outline a fraction of a spacing off
    at one corner bends the lattice in a way the parallax field, being affine, cannot follow."""
    size, step = reading.position.size, geometry.spacing(reading.position.size)
    corrected = _confident_centres(detections, reading)
    grid = (corrected - geometry.margin_px) / step
    points = np.rint(grid)
    near = np.all((points >= 0) & (points <= size - 1), axis=1) & (np.linalg.norm(grid - points, axis=1) <= 2 * ON_POINT)
    if near.sum() < max(min_stones, 4):
        return None
    # Rectified pixels as read -> where the lattice puts each stone's point.
    homography, _ = cv2.findHomography(corrected[near], geometry.margin_px + points[near] * step, 0)
    if homography is None:
        return None
    corners = geometry.grid_corners().reshape(-1, 1, 2).astype(np.float64)
    return cv2.perspectiveTransform(corners, np.linalg.inv(homography)).reshape(-1, 2)


def shifted_a_line(detections: list[Detection], reading: BoardReading, geometry: RectifiedGeometry) -> np.ndarray | None:
    """Where the board's outer corners lie in the rectified image (4, 2) with its lattice moved
    a line, across, along or both, if that puts more stones on its points; else None. An
    outline placed by stones can settle a line off: a row of stones then lies beyond it."""
    size, step = reading.position.size, geometry.spacing(reading.position.size)
    grid = (_confident_centres(detections, reading) - geometry.margin_px) / step
    offsets = [np.array([dx, dy], dtype=np.float64) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    best = max(offsets, key=lambda offset: _on_points(grid + offset, size))
    if _on_points(grid + best, size) <= _on_points(grid, size):
        return None
    # The moved lattice's point (c, r) is the present lattice's (c, r) - offset.
    return geometry.grid_corners().astype(np.float64) - best * step
