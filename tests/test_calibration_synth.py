"""Board finding on rendered boards with exact corners: all three sizes, tilts up to 45 degrees.

Scenes come from `edge.synth` as they are (random camera pose, lighting,
table, blur, noise, coordinates printed on some boards), with a light
position (15% of the points) and no hands. The counts asserted are what the
finder achieves on these fixed seeds today.
"""

from __future__ import annotations

import numpy as np
import pytest

from calibration.find import find_board
from edge.errors import NoBoardError
from edge.synth import random_position, render_board

SEEDS = range(8)
TOLERANCE = 0.25
"""Corner error allowed, in grid spacings."""


def _pitch(corners: np.ndarray, size: int) -> float:
    sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
    return float(sides.mean() / (size - 1))


@pytest.fixture(scope="module")
def outcomes() -> dict[int, list[tuple[int, bool, float]]]:
    """Per size: (seed, size detected right, corner error in spacings) -- error inf when not found."""
    out: dict[int, list[tuple[int, bool, float]]] = {}
    for size in (9, 13, 19):
        for seed in SEEDS:
            position = random_position(size, np.random.default_rng(seed), fill=0.15)
            board = render_board(position, seed, hand=False, max_tilt_deg=45.0)
            try:
                fit = find_board(board.image)
            except NoBoardError:
                out.setdefault(size, []).append((seed, False, float("inf")))
                continue
            err = float(np.abs(fit.corners - board.corners).max()) / _pitch(board.corners, size)
            out.setdefault(size, []).append((seed, fit.size == size, err))
    return out


@pytest.mark.parametrize("size, at_least", [(9, 6), (13, 7), (19, 6)])
def test_corners_within_a_quarter_spacing(outcomes: dict[int, list[tuple[int, bool, float]]], size: int, at_least: int) -> None:
    good = [seed for seed, right, err in outcomes[size] if right and err < TOLERANCE]
    assert len(good) >= at_least, outcomes[size]


def test_found_boards_are_accurate(outcomes: dict[int, list[tuple[int, bool, float]]]) -> None:
    # Where the corners are right they are right to a small fraction of a spacing.
    errors = [err for runs in outcomes.values() for _, right, err in runs if right and err < TOLERANCE]
    assert np.median(errors) < 0.05
    assert sum(1 for runs in outcomes.values() for _, right, err in runs if right and err < TOLERANCE) >= 19


def test_size_given_on_the_command_line_is_used() -> None:
    position = random_position(13, np.random.default_rng(3), fill=0.15)
    board = render_board(position, 3, hand=False)
    fit = find_board(board.image, size=13)
    assert fit.size == 13
    assert np.abs(fit.corners - board.corners).max() < TOLERANCE * _pitch(board.corners, 13)
