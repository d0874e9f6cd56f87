"""How well stones sit on a board's points, and the placements of the lattice they span (edge.board.stone_fit)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.board.mapping import map_to_board
from edge.board.stone_fit import margins_through_stones, placements_through_stones, stone_fit
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry

GEOMETRY = RectifiedGeometry()


def _stones_seen_through(homography: np.ndarray, size: int, every: int = 2, rows: slice = slice(None)) -> list[Detection]:
    """Stones on every other point (of `rows`) of a `size` board, as a rectification `homography` off shows them."""
    points = GEOMETRY.intersections(size)[rows, rows][::every, ::every].reshape(-1, 1, 2)
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


def _true_corners(homography: np.ndarray) -> np.ndarray:
    """Where the board's corners lie in the rectified image seen through `homography`."""
    return cv2.perspectiveTransform(GEOMETRY.grid_corners().reshape(-1, 1, 2).astype(np.float64), homography).reshape(-1, 2)


def _seen_from(corners: np.ndarray, stones: list[Detection]) -> list[Detection]:
    """The same stones rectified again with the outline's corners at `corners`."""
    homography = cv2.getPerspectiveTransform(corners.astype(np.float32), GEOMETRY.grid_corners())
    centers = cv2.perspectiveTransform(np.array([[d.center] for d in stones]), homography).reshape(-1, 2)
    return [Detection(x - 6, y - 6, x + 6, y + 6, d.color, d.score) for (x, y), d in zip(centers, stones)]


def test_stones_on_the_points_of_their_own_size_only() -> None:
    stones = _stones_seen_through(np.eye(3), 19, every=1)
    fits = {size: stone_fit(stones, map_to_board(stones, size, GEOMETRY), GEOMETRY) for size in (9, 13, 19)}
    assert fits[19].stones == 361 and fits[19].share == 1.0
    assert fits[13].share < 0.5 and fits[9].share < 0.5


@pytest.mark.parametrize("spacings", [1.0, 3.0])
def test_an_outline_lines_off_at_one_corner_is_placed_on_the_lattice_its_stones_span(spacings: float) -> None:
    seen_through = _one_corner_off(19, spacings)
    stones = _stones_seen_through(seen_through, 19)
    reading = map_to_board(stones, 19, GEOMETRY)
    # Affine, the parallax field cannot take the bend out: stones near the far corner miss their
    # points, and three spacings off most of them lie nearer another point than their own.
    assert stone_fit(stones, reading, GEOMETRY).on_points <= 90
    moved = placements_through_stones(stones, reading, GEOMETRY, min_stones=20)
    assert moved is not None and moved.on_points == 100
    # The parallax field (affine) has taken up part of the bend: the lattice is placed with it off.
    assert np.abs(moved.corners[0] - _true_corners(seen_through)).max() < 0.5 * GEOMETRY.spacing(19)
    again = _seen_from(moved.corners[0], stones)
    reading = map_to_board(again, 19, GEOMETRY)
    assert stone_fit(again, reading, GEOMETRY).on_points == 100
    assert placements_through_stones(again, reading, GEOMETRY, min_stones=20) is None


def test_an_outline_a_line_off_is_moved_the_line_back() -> None:
    # The stones of a 19x19 board seen through an outline one line too far up and to the left:
    # the bottom row and the right column lie beyond it.
    step = GEOMETRY.spacing(19)
    one_line = np.array([[1.0, 0.0, -step], [0.0, 1.0, -step], [0.0, 0.0, 1.0]])
    stones = _stones_seen_through(one_line, 19, every=1)
    reading = map_to_board(stones, 19, GEOMETRY)
    assert stone_fit(stones, reading, GEOMETRY).on_points == 18 * 18
    moved = placements_through_stones(stones, reading, GEOMETRY, min_stones=20)
    assert moved is not None and moved.on_points == 361 and len(moved.corners) == 1
    assert np.abs(moved.corners[0] - _true_corners(one_line)).max() < 0.01


def test_stones_clear_of_the_edges_leave_placements_a_line_apart_the_nearest_first() -> None:
    # Stones on rows and columns 3-15 only: the lattice they span fits the board as well up to
    # three lines either way, which the stones cannot tell apart.
    seen_through = _one_corner_off(19, 3.0)
    stones = _stones_seen_through(seen_through, 19, every=1, rows=slice(3, 16))
    reading = map_to_board(stones, 19, GEOMETRY)
    assert stone_fit(stones, reading, GEOMETRY).on_points < 169
    moved = placements_through_stones(stones, reading, GEOMETRY, min_stones=20)
    assert moved is not None and moved.on_points == 169 and len(moved.corners) == 7 * 7
    again = _seen_from(moved.corners[0], stones)
    read = {point for point, _ in map_to_board(again, 19, GEOMETRY).position}
    assert read == {(row, col) for row in range(3, 16) for col in range(3, 16)}


def test_too_few_stones_place_no_lattice() -> None:
    stones = _stones_seen_through(_one_corner_off(19, 2.0), 19, every=6)
    assert len(stones) < 20
    assert placements_through_stones(stones, map_to_board(stones, 19, GEOMETRY), GEOMETRY, min_stones=20) is None


def test_stones_a_hand_parts_start_the_lattice_from_fewer_neighbours_only_where_asked() -> None:
    # Two groups of 16 stones, ten lines apart diagonally (a hand between them), seen through an
    # outline two spacings off at one corner: no group alone has `min_stones`.
    seen_through = _one_corner_off(19, 2.0)
    stones = (_stones_seen_through(seen_through, 19, every=1, rows=slice(1, 5))
              + _stones_seen_through(seen_through, 19, every=1, rows=slice(14, 18)))
    reading = map_to_board(stones, 19, GEOMETRY)
    assert stone_fit(stones, reading, GEOMETRY).on_points == 26
    assert placements_through_stones(stones, reading, GEOMETRY, min_stones=20) is None
    moved = placements_through_stones(stones, reading, GEOMETRY, min_stones=20, first_stones=8)
    assert moved is not None and moved.on_points == 32
    assert np.abs(moved.corners[0] - _true_corners(seen_through)).max() < 0.5 * GEOMETRY.spacing(19)


# Scattered so that no coarser lattice holds them: some lie a point apart.
_SCATTERED = [(0, 0), (1, 3), (2, 7), (3, 1), (4, 4), (5, 8), (6, 2), (7, 5), (8, 6), (2, 2), (6, 6), (4, 0)]


def test_the_margins_of_a_board_whose_wood_fills_the_square_are_where_its_stones_sit_on_points() -> None:
    # A 9x9 board with 1.2 spacings of wood left and right, 0.9 above and below, its wood rectified
    # onto the square as `edge.photo` rectifies a wood outline.
    margin_x, margin_y, size = 1.2, 0.9, 9
    side = GEOMETRY.image_px - 1 - 2 * GEOMETRY.margin_px
    step_x, step_y = side / (size - 1 + 2 * margin_x), side / (size - 1 + 2 * margin_y)
    r = 0.45 * step_x
    stones = [Detection(x - r, y - r, x + r, y + r, "b", 0.9) for x, y in (
        (GEOMETRY.margin_px + (margin_x + col) * step_x, GEOMETRY.margin_px + (margin_y + row) * step_y)
        for row, col in _SCATTERED)]
    margins = np.arange(0.3, 2.65, 0.05)
    on_points, found_x, found_y = margins_through_stones(stones, GEOMETRY, size, margins)
    assert on_points == len(stones)
    assert (found_x, found_y) == (pytest.approx(margin_x, abs=0.03), pytest.approx(margin_y, abs=0.03))
    # Searched over so many margins, a 13x13 lattice holds some of them by chance, not 80%.
    assert margins_through_stones(stones, GEOMETRY, 13, margins)[0] < 0.8 * len(stones)
    # A 19x19 lattice of half the spacing, 2 * margin - 1 in from the wood, holds them all too:
    # only the reading, with its parallax field, and the smaller board first, tell the two apart.
    assert margins_through_stones(stones, GEOMETRY, 19, margins)[0] == len(stones)
