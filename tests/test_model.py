"""The shipped detector: Edge TPU compatibility of the int8 graph, and stones found on rendered boards.

Runs the committed models/stones_int8.tflite through the real LiteRT runtime.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from edge.board.mapping import MappingParams
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.rectify.geometry import RectifiedGeometry
from edge.runtime.backend import inspect_graph
from edge.runtime.model import TFLiteModel
from edge.synth import Scene, random_position, rectified_truth

MODELS = Path(__file__).resolve().parents[1] / "models"
GEOMETRY = RectifiedGeometry()

# Operators the Edge TPU compiler maps (coral.ai "TensorFlow models on the Edge TPU",
# supported operations), restricted to the ones a convolutional detector can use.
EDGETPU_OPS = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
    "LOGISTIC", "MAX_POOL_2D", "MEAN", "MUL", "PAD", "QUANTIZE", "RELU", "RELU6", "RESHAPE",
    "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "SOFTMAX", "SPLIT", "STRIDED_SLICE", "SUB", "TANH",
}


def test_int8_model_maps_whole_to_the_edge_tpu() -> None:
    ops, tensors = inspect_graph(str(MODELS / "stones_int8.tflite"))
    assert set(ops) <= EDGETPU_OPS, f"ops the Edge TPU cannot run: {sorted(set(ops) - EDGETPU_OPS)}"
    for t in tensors:
        assert -1 not in list(t["shape_signature"]), f"dynamic shape on {t['name']}"
        # Biases are int32 by the TFLite int8 spec; everything else is 8-bit.
        assert t["dtype"] in (np.int8, np.uint8, np.int32), f"{t['name']} is {t['dtype']}"
    model = TFLiteModel(MODELS / "stones_int8.tflite", delegate="cpu")
    assert model.input.dtype == np.uint8 and model.input.shape == (1, 320, 320, 3)


@pytest.mark.parametrize("variant", ["int8", "float32"])
def test_models_are_small_and_described(variant: str) -> None:
    path = MODELS / f"stones_{variant}.tflite"
    meta = json.loads(path.with_suffix(".json").read_text())
    assert path.stat().st_size < 2 * 1024 * 1024
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["training"]["seed"] and meta["training"]["recipe_version"]
    assert meta["classes"] == ["black", "white"]


@pytest.fixture(scope="module")
def detector() -> StoneDetector:
    # The operating threshold at which the board stage places stones (MappingParams).
    return StoneDetector.load(DEFAULT_MODEL, delegate="cpu", threads=1, score_threshold=MappingParams().score_threshold)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


SEEDS = range(20_000_000, 20_000_012)


@pytest.fixture(scope="module")
def boards(detector: StoneDetector) -> dict[int, tuple[list, list, int]]:
    """Rendered boards from seeds training never saw, every size, no hand over the board:
    seed -> (truth stones, detections, empty points)."""
    out = {}
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        size = (9, 13, 19)[seed % 3]
        rendered = Scene.random(size, seed).render(random_position(size, rng, fill=0.35), seed=seed, hand=False)
        image, truth = rectified_truth(rendered, GEOMETRY)
        out[seed] = (truth, detector.detect(image), size * size - len(truth))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_every_stone_found_with_its_colour(boards, seed: int) -> None:
    truth, dets, _ = boards[seed]
    for box, color, point in truth:
        best = max(dets, key=lambda d: _iou(box, (d.x0, d.y0, d.x1, d.y1)), default=None)
        assert best is not None and _iou(box, (best.x0, best.y0, best.x1, best.y1)) >= 0.5, f"missed stone at {point}"
        assert best.color == color, f"stone at {point} read as {best.color}, is {color}"


def test_phantom_stones_are_rare(boards) -> None:
    """Detections on the board that match no stone, per empty point, over all boards.

    Loose stones beside the board are real stones the board stage drops as
    off-board, so only detections inside the outer grid square count.
    """
    lo, hi = GEOMETRY.margin_px, GEOMETRY.image_px - 1 - GEOMETRY.margin_px
    phantoms = empty = 0
    for truth, dets, n_empty in boards.values():
        boxes = [box for box, _, _ in truth]
        phantoms += sum(
            1 for d in dets
            if lo <= d.center[0] <= hi and lo <= d.center[1] <= hi
            and all(_iou(b, (d.x0, d.y0, d.x1, d.y1)) < 0.5 for b in boxes)
        )
        empty += n_empty
    assert phantoms / empty <= 0.002, f"{phantoms} phantom stones on {empty} empty points"
