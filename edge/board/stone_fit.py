"""How well a reading's confident stones sit on its board's intersections.

Stones are played on intersections, so on a board placed right nearly every
confident detection lies on a lattice point once the parallax field is taken
off. On a board read at the wrong size, or outlined a line or so off, most land
between them: the stones say whether the board was placed right even where its
lines cannot be seen (a crowded or blurred board).

They also say where it lies. Neighbouring stones sit a whole number of spacings
apart, so each stone's point follows from a neighbour's however far off the
placement is near them; the lattice fitted through all of them then places the
board, up to whole lines where no stone reaches an edge.
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

    @property
    def net(self) -> int:
        """Stones on points less those off them."""
        return 2 * self.on_points - self.stones


def _confident(detections: list[Detection]) -> np.ndarray:
    """The confident detections' centres (N, 2), rectified pixels."""
    return np.array([d.center for d in detections if d.score >= CONFIDENT], dtype=np.float64).reshape(-1, 2)


def _confident_centres(detections: list[Detection], reading: BoardReading) -> np.ndarray:
    """The confident detections' centres with the reading's parallax field taken off, rectified pixels."""
    centers = _confident(detections)
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


_REACH = 2.5
"""Lattice units within which a stone takes its label from a labelled neighbour: their offset
rounds to the right one while the placement stretches it by up to a fifth."""
_RELABEL = 3
"""Times the stones are labelled again from the lattice fitted to them."""
_OFFSETS = np.arange(-4, 5)
"""Lines the lattice the stones span is tried at each way: how far off a corner may be."""


def _labels(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each stone's lattice point (N, 2) and whether it got one: labelled outward from the most
    crowded stone, each from its nearest labelled neighbour by their rounded offset. A placement
    lines off at one corner moves a stone far from its point, but a neighbour hardly at all."""
    distance = np.linalg.norm(grid[:, None] - grid[None], axis=-1)
    np.fill_diagonal(distance, np.inf)
    # Started among close neighbours: a stone off on its own may be a phantom or a loose stone.
    seed = int(np.argmax((distance < 1.5).sum(axis=1)))
    labels = np.zeros_like(grid)
    labels[seed] = np.rint(grid[seed])
    labelled = np.zeros(len(grid), dtype=bool)
    labelled[seed] = True
    link, parent = distance[seed].copy(), np.full(len(grid), seed)
    while True:
        candidates = np.where(labelled, np.inf, link)
        j = int(np.argmin(candidates))
        if candidates[j] > _REACH:
            return labels, labelled
        labels[j] = labels[parent[j]] + np.rint(grid[j] - grid[parent[j]])
        labelled[j] = True
        closer = distance[j] < link
        link[closer], parent[closer] = distance[j][closer], j


def _lattice(grid: np.ndarray, min_stones: int, first_stones: int) -> np.ndarray | None:
    """The homography (3, 3) from lattice points to where the stones at `grid` put them, or None
    where fewer than `first_stones` neighbours start one or fewer than `min_stones` stones agree on it."""
    labels, labelled = _labels(grid)
    if labelled.sum() < max(first_stones, 4):
        return None
    # A stone labelled wrong (a phantom, a loose stone, a rounding across a stretched gap) is outvoted.
    homography, _ = cv2.findHomography(labels[labelled], grid[labelled], cv2.RANSAC, 1.5 * ON_POINT)
    for _ in range(_RELABEL):
        if homography is None or not np.all(np.isfinite(homography)):
            return None
        lattice = cv2.perspectiveTransform(grid.reshape(-1, 1, 2), np.linalg.inv(homography)).reshape(-1, 2)
        points = np.rint(lattice)
        near = np.linalg.norm(lattice - points, axis=1) <= 2 * ON_POINT
        if near.sum() < max(min_stones, 4):
            return None
        homography, _ = cv2.findHomography(points[near], grid[near], 0)
    return homography


@dataclass(frozen=True)
class Placements:
    on_points: int
    """Stones on points in each placement."""
    corners: list[np.ndarray]
    """Each placement's outer corners in the rectified image (4, 2), the nearest the present first."""


def placements_through_stones(detections: list[Detection], reading: BoardReading, geometry: RectifiedGeometry,
                              min_stones: int, first_stones: int | None = None) -> Placements | None:
    """The placements of the lattice the board's stones span that put the most of them on its
    points, where that is more than the present placement does; None where it is not or fewer
    than `min_stones` stones span one. Several come back where the stones leave a line or more
    between them and an edge: what the stones cannot tell, the caller's evidence must.

    The lattice is started from the neighbours of one stone, `first_stones` of them at least
    (`min_stones` unless given). A hand between groups of stones leaves fewer; but a lattice
    a few neighbours start can fit the stones and not the board (a 19x19 lattice through a
    13x13 board's stones, its corners many lines off), so fewer do only where other evidence
    checks the placement."""
    size, step = reading.position.size, geometry.spacing(reading.position.size)
    grid = (_confident_centres(detections, reading) - geometry.margin_px) / step
    if len(grid) < max(min_stones, 4):
        return None
    homography = _lattice(grid, min_stones, min_stones if first_stones is None else first_stones)
    if homography is None:
        return None
    lattice = cv2.perspectiveTransform(grid.reshape(-1, 1, 2), np.linalg.inv(homography)).reshape(-1, 2)
    square = (geometry.grid_corners() - geometry.margin_px) / step
    placed = []
    for offset in np.stack(np.meshgrid(_OFFSETS, _OFFSETS), axis=-1).reshape(-1, 2).astype(np.float64):
        corners = cv2.perspectiveTransform((square + offset).reshape(-1, 1, 2), homography).reshape(-1, 2)
        placed.append((_on_points(lattice - offset, size), float(np.linalg.norm(corners - square, axis=1).sum()), corners))
    most = max(on for on, _, _ in placed)
    if most <= _on_points(grid, size):
        return None
    best = sorted((p for p in placed if p[0] == most), key=lambda p: p[1])
    return Placements(most, [geometry.margin_px + corners * step for _, _, corners in best])


def margins_through_stones(detections: list[Detection], geometry: RectifiedGeometry, size: int,
                           margins: np.ndarray) -> tuple[int, float, float]:
    """For a rectified square that spans a board's wood rather than its grid: the margins, in
    spacings (left and right alike, top and bottom alike), of the `size` board that puts the most
    confident stones on its points, and how many. The parallax field is not taken off (it is
    fitted to a grid, and this one is not known yet), so these only choose a board to read."""
    across = (_confident(detections) - geometry.margin_px) / (geometry.image_px - 1 - 2 * geometry.margin_px)
    lines = size - 1 + 2 * margins
    # (stones, margins) lattice coordinates along each axis, then every pairing of the two margins.
    off = [across[:, axis, None] * lines - margins for axis in (0, 1)]
    near = [o - np.rint(o) for o in off]
    inside = [(o > -0.5) & (o < size - 0.5) for o in off]
    squared = near[0][:, :, None] ** 2 + near[1][:, None, :] ** 2
    on = (squared <= ON_POINT**2) & inside[0][:, :, None] & inside[1][:, None, :]
    counts = on.sum(axis=0)
    # Of the margins that put as many on points, those that put them nearest their points.
    spread = np.where(on, squared, 0.0).sum(axis=0)
    x, y = np.unravel_index(int(np.lexsort((spread.ravel(), -counts.ravel()))[0]), counts.shape)
    return int(counts[x, y]), float(margins[x]), float(margins[y])
