"""How well stones sit on a board's points, and the outline they place (edge.board.stone_fit)."""

from __future__ import annotations

import cv2
import numpy as np

from edge.board.mapping import map_to_board
from edge.board.stone_fit import corners_through_stones, shifted_a_line, stone_fit
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry

GEOMETRY = RectifiedGeometry()


def _stones_seen_through(homography: np.ndarray, size: int, every: int = 2) -> list[Detection]:
    """Stones on every other point of a `size` board, as a rectification `homography` off shows them."""
    points = GEOMETRY.intersections(size)[::every, ::every].reshape(-1, 1, 2)
    seen = cv2.perspectiveTransform(points, homography).reshape(-1, 2)
    r = GEOMETRY.spacing(size) * 0.45
    return [Detection(x - r, y - r, x + r, y + r, "b" if i % 2 else "w", 0.9) for i, (x, y) in enumerate(seen)]


def _one_corner_off(size: int, spacings: float) -> np.ndarray:
    """The rectified image of an outline whose bottom-right corner lies `spacings` off, diagonally."""
    true = GEOMETRY.grid_corners()
    outline = true.copy()
    outline[2] += spacings * GEOMETRY.spacing(size) / np.sqrt(2.0)
    # The outline is mapped onto the square: the true board lands where the square maps it.
    return cv2.getPerspectiveTransform(outline, true).astype(np.float64)


def test_stones_on_the_points_of_their_own_size_only() -> None:
    stones = _stones_seen_through(np.eye(3), 19, every=1)
    fits = {size: stone_fit(stones, map_to_board(stones, size, GEOMETRY), GEOMETRY) for size in (9, 13, 19)}
    assert fits[19].stones == 361 and fits[19].share == 1.0
    assert fits[13].share < 0.5 and fits[9].share < 0.5


def _seen_from(corners: np.ndarray, stones: list[Detection]) -> list[Detection]:
    """The same stones rectified again with the outline's corners at `corners`."""
    homography = cv2.getPerspectiveTransform(corners.astype(np.float32), GEOMETRY.grid_corners())
    centers = cv2.perspectiveTransform(np.array([[d.center] for d in stones]), homography).reshape(-1, 2)
    return [Detection(x - 6, y - 6, x + 6, y + 6, d.color, d.score) for (x, y), d in zip(centers, stones)]


def test_an_outline_a_spacing_off_at_one_corner_is_placed_through_its_stones() -> None:
    stones = _stones_seen_through(_one_corner_off(19, 1.0), 19)
    reading = map_to_board(stones, 19, GEOMETRY)
    # Affine, the parallax field cannot take the bend out: stones near the far corner miss their points.
    assert stone_fit(stones, reading, GEOMETRY).on_points <= 90
    corners = corners_through_stones(stones, reading, GEOMETRY, min_stones=20)
    assert corners is not None
    again = _seen_from(corners, stones)
    assert stone_fit(again, map_to_board(again, 19, GEOMETRY), GEOMETRY).on_points == 100


def test_too_few_stones_place_no_outline() -> None:
    stones = _stones_seen_through(np.eye(3), 19, every=6)
    assert len(stones) < 20
    assert corners_through_stones(stones, map_to_board(stones, 19, GEOMETRY), GEOMETRY, min_stones=20) is None


def test_an_outline_a_line_off_is_moved_the_line_back() -> None:
    # The stones of a 19x19 board seen through an outline one line too far up and to the left:
    # the bottom row and the right column lie beyond it.
    step = GEOMETRY.spacing(19)
    one_line = np.array([[1.0, 0.0, -step], [0.0, 1.0, -step], [0.0, 0.0, 1.0]])
    stones = _stones_seen_through(one_line, 19, every=1)
    reading = map_to_board(stones, 19, GEOMETRY)
    assert stone_fit(stones, reading, GEOMETRY).on_points == 18 * 18
    corners = shifted_a_line(stones, reading, GEOMETRY)
    assert corners is not None
    again = _seen_from(corners, stones)
    assert stone_fit(again, map_to_board(again, 19, GEOMETRY), GEOMETRY).on_points == 361
    assert shifted_a_line(again, map_to_board(again, 19, GEOMETRY), GEOMETRY) is None
