"""The board's wood outlined where its lines hide (calibration.wood), on a render and on blank frames."""

from __future__ import annotations

import cv2
import numpy as np

from calibration.corners import order_corners
from calibration.wood import wood_outlines
from edge.synth import render_random_board


def test_the_wood_around_a_forearm_is_outlined_whole() -> None:
    # Board 247 of the reported set (`tools/make_rendered_set.py --seed-base 30000000`): a forearm
    # crosses the 9x9 from its top edge to its bottom rows, parting the wood in view.
    rendered = render_random_board(30_000_247)
    grid = np.asarray(rendered.corners, np.float64)
    spacing = float(np.mean(np.linalg.norm(grid - np.roll(grid, -1, axis=0), axis=1))) / (rendered.position.size - 1)
    around = []
    for outline in wood_outlines(rendered.image):
        outline = order_corners(outline)
        holds = all(cv2.pointPolygonTest(outline.astype(np.float32), tuple(map(float, c)), False) > 0 for c in grid)
        if holds:
            around.append(np.linalg.norm(outline - grid, axis=1).max() / spacing)
    # The wood reaches 0.6 to 2.2 spacings past the outer lines each way (edge/synth/board_model.py).
    assert around and min(around) < 3.5


def test_a_frame_of_one_colour_has_no_wood() -> None:
    assert wood_outlines(np.full((480, 640, 3), 128, np.uint8)) == []
