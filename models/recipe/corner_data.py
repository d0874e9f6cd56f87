"""Training data for the corner finder: rendered camera frames and their grid corners.

Each frame is a whole renderer scene (its own board, camera, light, hands),
letterboxed exactly as `calibration.corner_model` letterboxes a frame at run
time; the target is one heatmap with a Gaussian on each outer grid corner,
centred on the true sub-cell position so that the peak's centroid finds it.
"""

from __future__ import annotations

from multiprocessing import Pool
from typing import Iterator

import numpy as np

from calibration.corner_model import input_to_cell, letterbox
from edge.synth import render_random_board

SIGMA_CELLS = 1.0
"""Spread of each corner's Gaussian, in heatmap cells."""


def render_frame(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(BGR frame, (4, 2) outer grid corners in its pixels) for one seed, as `tools/make_rendered_set.py` draws them."""
    rendered = render_random_board(seed)
    return rendered.image, np.asarray(rendered.corners, np.float64)


def corner_heatmap(corners_cells: np.ndarray, out_px: int, sigma: float = SIGMA_CELLS) -> np.ndarray:
    heat = np.zeros((out_px, out_px), np.float32)
    yy, xx = np.mgrid[0:out_px, 0:out_px].astype(np.float32)
    for cx, cy in corners_cells:
        if not (-0.5 <= cx < out_px - 0.5 and -0.5 <= cy < out_px - 0.5):
            continue
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma * sigma))
        heat = np.maximum(heat, g)
        # The focal loss counts exactly one positive cell per corner: the nearest.
        heat[int(round(cy)), int(round(cx))] = 1.0
    return heat


def encoded(seed: int, input_px: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(RGB input, heatmap target (out, out, 1) float16, corners in input pixels (4, 2))."""
    frame, corners = render_frame(seed)
    canvas, box = letterbox(frame, input_px)
    at_input = box.to_input(corners)
    heat = corner_heatmap(input_to_cell(at_input, stride), input_px // stride)
    return canvas, heat[..., None].astype(np.float16), at_input.astype(np.float32)


def _encoded(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return encoded(*job)


def generate(seeds: list[int], input_px: int, stride: int, workers: int = 2) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    with Pool(workers) as pool:
        yield from pool.imap(_encoded, [(s, input_px, stride) for s in seeds], chunksize=8)
