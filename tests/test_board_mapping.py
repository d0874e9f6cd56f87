"""Detections to intersections: parallax correction and conflicts (edge.board.mapping).

Expected positions are diagrams, as sgfmill's own tests keep them.
"""

from __future__ import annotations

import numpy as np
import pytest

from edge.board.mapping import MappingParams, map_to_board
from edge.board.position import Position
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry

GEOMETRY = RectifiedGeometry()

DIAGRAM_9 = """
. . . . . . . . .
. . B W . . . . .
. . B W . . . . .
. . . B W . . . .
. . . . . . . . .
. . . . . . B . .
. . W . . . . . .
. . . . . . . . W
B . . . . . . . .
"""


def _detections(position: Position, shift=lambda x, y: (0.0, 0.0), score: float = 0.9) -> list[Detection]:
    r = GEOMETRY.spacing(position.size) * 0.48
    out = []
    for (row, col), color in position:
        x, y = GEOMETRY.intersection((row, col), position.size)
        dx, dy = shift(x, y)
        out.append(Detection(x + dx - r, y + dy - r, x + dx + r, y + dy + r, color, score))
    return out


def test_plain_board_is_read_back() -> None:
    pos = Position.from_rows(DIAGRAM_9.split("\n"))
    reading = map_to_board(_detections(pos), 9, GEOMETRY)
    assert reading.position == pos
    assert reading.rejected == []
    assert reading.overall_confidence == pytest.approx(0.9)


@pytest.mark.parametrize("size", [9, 13, 19])
def test_parallax_shift_growing_to_the_far_edge_is_corrected(size: int) -> None:
    rng = np.random.default_rng(size)
    stones = {(int(r), int(c)): ("b" if rng.random() < 0.5 else "w")
              for r, c in rng.integers(0, size, size=(size * 3, 2))}
    pos = Position(size, stones)
    step = GEOMETRY.spacing(size)
    # Stone tops lean away from a camera below the board: up to 0.6 spacing at the top edge,
    # more than enough to put them on the wrong row without correction.
    def lean(x: float, y: float) -> tuple[float, float]:
        return (0.1 * step, -0.6 * step * (1 - y / GEOMETRY.image_px))

    naive = map_to_board(_detections(pos, lean), size, GEOMETRY, MappingParams(parallax_iterations=0))
    assert naive.position != pos
    reading = map_to_board(_detections(pos, lean), size, GEOMETRY)
    assert reading.position == pos


def test_conflicts_off_board_and_weak_detections() -> None:
    pos = Position(9, {(4, 4): "b"})
    dets = _detections(pos)
    x, y = GEOMETRY.intersection((4, 4), 9)
    r = GEOMETRY.spacing(9) * 0.48
    dets.append(Detection(x - r + 1, y - r, x + r + 1, y + r, "w", 0.6))       # a second reading of the same stone
    dets.append(Detection(1, 1, 20, 20, "b", 0.95))                               # a bowl/loose stone in the margin
    gx, gy = GEOMETRY.intersection((2, 2), 9)
    dets.append(Detection(gx - r, gy - r, gx + r, gy + r, "w", 0.2))             # too weak to place a stone
    reading = map_to_board(dets, 9, GEOMETRY)
    assert reading.position == pos
    assert sorted(rej.reason for rej in reading.rejected) == ["duplicate", "off-board"]
    assert reading.confidence[2, 2] == pytest.approx(0.8)  # empty, with a weak doubt


def test_grid_lines_show_at_empty_points_and_hide_under_stones() -> None:
    """On a rendered photo (tilted camera, real stone shapes), every arm of an empty
    point shows its line, and a stone hides at least one."""
    import cv2

    from edge.board.grid_lines import line_visibility
    from edge.synth import Scene, random_position

    rng = np.random.default_rng(7)
    scene = Scene.random(19, 4242)
    rendered = scene.render(random_position(19, rng), seed=3, hand=False)
    hmg = GEOMETRY.homography(rendered.corners)
    board = cv2.warpPerspective(rendered.image, hmg, (GEOMETRY.image_px,) * 2)
    lines = line_visibility(board, 19, GEOMETRY)
    stones = np.zeros((19, 19), bool)
    for point, _ in rendered.position:
        stones[point] = True
    assert stones.sum() > 40 and (~stones).sum() > 40
    assert np.mean(lines[stones] < MappingParams().lines_veto) >= 0.99
    assert np.mean(lines[~stones] >= MappingParams().lines_veto) >= 0.6


def test_visible_grid_lines_veto_a_weak_phantom_but_not_a_strong_stone() -> None:
    pos = Position.from_rows(DIAGRAM_9.split("\n"))
    phantom = Detection(*_box((4, 4)), "b", 0.5)
    strong = Detection(*_box((4, 5)), "w", 0.9)
    lines = np.zeros((9, 9))
    lines[4, 4] = lines[4, 5] = 1.0  # lines plainly visible at both points
    reading = map_to_board(_detections(pos) + [phantom, strong], 9, GEOMETRY, lines=lines)
    assert reading.position[(4, 4)] is None
    assert reading.position[(4, 5)] == "w"
    assert [r.reason for r in reading.rejected] == ["lines-visible"]
    assert reading.confidence[4, 4] == pytest.approx(0.5)


def _box(point: tuple[int, int]) -> tuple[float, float, float, float]:
    x, y = GEOMETRY.intersection(point, 9)
    r = GEOMETRY.spacing(9) * 0.48
    return x - r, y - r, x + r, y + r
