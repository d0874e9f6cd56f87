"""Training and validation data for the stone detector, made with the renderer.

Each sample is a rendered camera frame rectified exactly as the appliance
rectifies it (the calibration corners -> `RectifiedGeometry`), with the
corners jittered by a little so that the network tolerates a calibration that
is off by a pixel or two. Targets follow `edge.detect.decode`'s encoding.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache, partial
from multiprocessing import Pool
from typing import Iterator

import cv2
import numpy as np

from edge.detect.decode import OFFSET_MIN, OFFSET_SPAN, DecodeParams
from edge.rectify.geometry import RectifiedGeometry
from edge.synth import Scene, random_position, rectified_ignore_regions, rectified_truth

SIZES = (9, 13, 19)
SIZE_WEIGHTS = (0.25, 0.25, 0.5)
GEOMETRY = RectifiedGeometry()
DECODE = DecodeParams()
RENDERS_PER_SCENE = 4
"""Building a scene (wood, textures, camera) costs more than rendering a frame on it."""


@dataclasses.dataclass(frozen=True)
class Sample:
    image: np.ndarray
    """(320, 320, 3) uint8 RGB rectified board."""
    boxes: np.ndarray
    """(n, 4) float32 xyxy rectified pixels."""
    classes: np.ndarray
    """(n,) int64, 0 black, 1 white."""
    ignore: np.ndarray
    """(m, 4) float32 xyxy: stones that are no label (mostly hidden, or beside the board)."""


@lru_cache(maxsize=2)
def _scene(scene_seed: int) -> Scene:
    rng = np.random.default_rng(scene_seed)
    return Scene.random(int(rng.choice(SIZES, p=SIZE_WEIGHTS)), scene_seed)


def make_sample(seed: int, corner_jitter: float = 0.04, hand_rate: float | None = None) -> Sample:
    """One rectified sample; the same seed always gives the same sample.

    `hand_rate` puts a hand over that share of the boards instead of the
    renderer's own rate (`edge.synth.scene.P_HAND`).
    """
    rng = np.random.default_rng(seed)
    scene = _scene(seed // RENDERS_PER_SCENE)
    size = scene.size
    # Drawn from its own stream, so that the same seed keeps its position with any rate.
    hand = None if hand_rate is None else bool(np.random.default_rng([seed, 0x4A4D]).random() < hand_rate)
    rendered = scene.render(random_position(size, rng), seed=seed, hand=hand)
    if corner_jitter:
        spacing_px = np.linalg.norm(rendered.corners[1] - rendered.corners[0]) / (size - 1)
        jitter = rng.normal(0.0, corner_jitter * spacing_px, size=(4, 2)).astype(np.float32)
        rendered = dataclasses.replace(rendered, corners=rendered.corners + jitter)
    image, stones = rectified_truth(rendered, GEOMETRY)
    boxes = np.array([b for b, _, _ in stones], dtype=np.float32).reshape(-1, 4)
    classes = np.array([0 if c == "b" else 1 for _, c, _ in stones], dtype=np.int64)
    ignore = np.array(rectified_ignore_regions(rendered, scene.distractor_outlines, GEOMETRY), dtype=np.float32).reshape(-1, 4)
    return Sample(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), boxes, classes, ignore)


def encode_targets(sample: Sample, out_px: int, params: DecodeParams = DECODE) -> tuple[np.ndarray, np.ndarray]:
    """Heatmap (out, out, 2) and box targets in decode's 0..1 encoding, with a weight channel (out, out, 5)."""
    heat = np.zeros((out_px, out_px, 2), np.float32)
    reg = np.zeros((out_px, out_px, 5), np.float32)
    yy, xx = np.mgrid[0:out_px, 0:out_px]
    for (x0, y0, x1, y1), k in zip(sample.boxes, sample.classes):
        cx, cy = (x0 + x1) / 2 / params.stride, (y0 + y1) / 2 / params.stride
        w, h = (x1 - x0), (y1 - y0)
        ix, iy = int(np.floor(cx)), int(np.floor(cy))
        if not (0 <= ix < out_px and 0 <= iy < out_px):
            continue
        # Spread of the centre peak grows with the stone so that 9x9 and 19x19
        # stones get peaks of the same relative width.
        sigma = max(0.5, 0.12 * max(w, h) / params.stride)
        r = int(np.ceil(3 * sigma))
        ys, xs = slice(max(iy - r, 0), iy + r + 1), slice(max(ix - r, 0), ix + r + 1)
        g = np.exp(-((xx[ys, xs] - ix) ** 2 + (yy[ys, xs] - iy) ** 2) / (2 * sigma * sigma))
        heat[ys, xs, k] = np.maximum(heat[ys, xs, k], g)
        heat[iy, ix, k] = 1.0
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                gx, gy = ix + dx, iy + dy
                if 0 <= gx < out_px and 0 <= gy < out_px:
                    weight = 1.0 if dx == dy == 0 else 0.5
                    if reg[gy, gx, 4] < weight:
                        reg[gy, gx] = ((cx - gx - OFFSET_MIN) / OFFSET_SPAN, (cy - gy - OFFSET_MIN) / OFFSET_SPAN,
                                       w / (2 * params.size_scale), h / (2 * params.size_scale), weight)
    return heat, reg


def _encoded(seed: int, hand_rate: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sample = make_sample(seed, hand_rate=hand_rate)
    heat, reg = encode_targets(sample, GEOMETRY.image_px // DECODE.stride)
    return sample.image, heat.astype(np.float16), reg.astype(np.float16)


def generate(
    seeds: list[int], workers: int = 2, hand_rate: float | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Encoded samples for `seeds`, in order, rendered by `workers` processes."""
    with Pool(workers) as pool:
        yield from pool.imap(partial(_encoded, hand_rate=hand_rate), seeds, chunksize=16)
