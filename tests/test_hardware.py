"""Checks that need the real hardware: a Raspberry Pi camera, a Coral Edge TPU.

Marked `hardware` and skipped, with the reason, where the hardware is absent
(always on CI). On a Pi: `.venv/bin/python -m pytest -m hardware`.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from edge.capture.picamera import Picamera2Source
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.runtime.delegates import edgetpu_model_path

pytestmark = pytest.mark.hardware


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is None,
                    reason="picamera2 is not installed (no Raspberry Pi camera stack here)")
def test_pi_camera_delivers_lores_and_main() -> None:
    source = Picamera2Source((1280, 960), (640, 480), 10)
    source.open()
    try:
        frame = source.read()
    finally:
        source.close()
    assert frame.image.shape == (480, 640, 3)
    assert frame.full is not None and frame.full.shape[:2] == (960, 1280)


@pytest.mark.skipif(ctypes.util.find_library("edgetpu") is None or not edgetpu_model_path(Path(DEFAULT_MODEL)).is_file(),
                    reason="no libedgetpu or no compiled models/stones_int8_edgetpu.tflite (see models/MODEL_CARD.md)")
def test_edge_tpu_runs_the_detector() -> None:
    detector = StoneDetector.load(DEFAULT_MODEL, delegate="edgetpu")
    assert detector.model.delegate == "edgetpu"
    assert detector.detect(np.zeros((320, 320, 3), np.uint8)) == []
