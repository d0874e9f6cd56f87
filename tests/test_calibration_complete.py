"""A corner placed far off (as the corner finder sometimes places one, on a hand or a bowl)
is found again where its neighbours' edge lines meet."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.complete import complete_corner
from calibration.corners import order_corners
from calibration.evidence import line_evidence


@pytest.mark.parametrize("seed", [32_000_100, 32_000_101, 32_000_104, 32_000_106])
def test_a_corner_three_spacings_off_is_put_back_from_its_neighbours(seed: int) -> None:
    from edge.synth import render_random_board

    rendered = render_random_board(seed, hand=False)
    truth = order_corners(np.asarray(rendered.corners, np.float64))
    size = rendered.position.size
    spacing = float(np.mean(np.linalg.norm(truth - np.roll(truth, 1, axis=0), axis=1))) / (size - 1)
    evidence = line_evidence(rendered.image)
    rng = np.random.default_rng(seed)
    for i in range(4):
        angle = rng.uniform(0.0, 2.0 * np.pi)
        quad = truth.copy()
        quad[i] += 3.0 * spacing * np.array([np.cos(angle), np.sin(angle)])
        completed = complete_corner(evidence, quad, i)
        assert completed is not None
        assert np.linalg.norm(completed[i] - truth[i]) < 0.2 * spacing
        # The other three are kept as they were.
        assert np.array_equal(np.delete(completed, i, axis=0), np.delete(quad, i, axis=0))


def test_no_corner_where_no_edge_lines_run() -> None:
    blank = np.full((480, 640, 3), 128, np.uint8)
    quad = np.array([[100.0, 100.0], [500.0, 100.0], [500.0, 400.0], [100.0, 400.0]])
    assert complete_corner(line_evidence(blank), quad, 2) is None
