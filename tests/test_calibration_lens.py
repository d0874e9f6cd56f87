"""Lens distortion: the division model, and its estimate from a real photo bent by a known barrel lens."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from calibration.find import find_board
from calibration.frames import read_image
from calibration.lens import LensDistortion, estimate_distortion, straightness_residual

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"


def test_distort_is_the_exact_inverse_of_undistort() -> None:
    lens = LensDistortion.none_for(640, 480).with_k1(-0.3)
    pts = np.random.default_rng(1).uniform([0, 0], [640, 480], (500, 2))
    assert np.allclose(lens.distort_points(lens.undistort_points(pts)), pts, atol=1e-9)
    assert np.allclose(lens.undistort_points(lens.distort_points(pts)), pts, atol=1e-9)
    assert LensDistortion.from_dict(lens.to_dict()) == lens


def test_estimate_from_bent_lines() -> None:
    # Straight lines bent by a known division-model lens are straightened again.
    truth = LensDistortion.none_for(640, 480).with_k1(-0.2)
    t = np.linspace(0, 1, 60)[:, None]
    lines = []
    for x in np.linspace(40, 600, 12):
        lines.append(truth.distort_points(np.hstack([np.full_like(t, x), 20 + 440 * t])))
    for y in np.linspace(30, 450, 10):
        lines.append(truth.distort_points(np.hstack([20 + 600 * t, np.full_like(t, y)])))
    fit = estimate_distortion(lines, LensDistortion.none_for(640, 480))
    assert fit.lens.k1 == pytest.approx(-0.2, abs=0.01)
    assert fit.residual_after_px < 0.05 < 1.0 < fit.residual_before_px
    assert straightness_residual(lines, fit.lens) == pytest.approx(fit.residual_after_px, abs=1e-3)


def _barrel(image: np.ndarray, k: float) -> np.ndarray:
    """Apply barrel distortion with the polynomial radial model (not the one being fitted)."""
    h, w = image.shape[:2]
    c = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    radius = np.hypot(w, h) / 2.0
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    d = np.stack([xs - c[0], ys - c[1]], axis=-1) / radius
    src = c + d * radius * (1.0 + k * np.sum(d * d, axis=-1, keepdims=True))
    return cv2.remap(image, src[..., 0].astype(np.float32), src[..., 1].astype(np.float32), cv2.INTER_LINEAR)


def test_barrel_distorted_photo_is_estimated_and_straightened() -> None:
    image = read_image(DATA / "t3" / "t3_003.jpg")
    plain = find_board(image)
    assert plain.lens.is_identity  # this webcam frame is already straight

    bent = _barrel(image, 0.2)
    fit = find_board(bent)
    assert fit.size == 19
    assert fit.lens.k1 < -0.1  # barrel: negative in the division model
    assert fit.straightness_after_px < 0.5 * fit.straightness_before_px
    assert fit.straightness_before_px > 1.0
    # Corners: where the barrel lens moved the straight frame's corners.
    h, w = image.shape[:2]
    c = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    radius = np.hypot(w, h) / 2.0
    expected = []
    for p in plain.corners:
        u = (p - c) / radius
        ru = np.hypot(*u)
        rd = ru
        for _ in range(60):
            rd = ru / (1.0 + 0.2 * rd * rd)
        expected.append(c + u / ru * rd * radius)
    err = np.abs(fit.corners - np.array(expected)).max()
    assert err < 0.15 * fit.spacing_px
