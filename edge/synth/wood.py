"""Procedural surfaces: board woods with grain, and table tops.

All functions return float32 BGR images in 0..255 and draw only from the
generator they are given.
"""

from __future__ import annotations

import cv2
import numpy as np

# Board woods (BGR): kaya, shin-kaya/spruce, katsura, bamboo, pale plywood, dark walnut-ish, printed vinyl.
BOARD_WOODS: tuple[tuple[float, float, float], ...] = (
    (70, 150, 215),
    (110, 185, 225),
    (80, 140, 190),
    (95, 170, 210),
    (140, 195, 225),
    (55, 100, 150),
    (120, 200, 235),
)

TABLE_COLOURS: tuple[tuple[float, float, float], ...] = (
    (40, 60, 90),     # dark wood
    (70, 110, 150),   # oak
    (180, 185, 190),  # light grey laminate
    (230, 232, 235),  # white
    (60, 60, 60),     # dark grey
    (90, 70, 40),     # blue cloth
    (50, 90, 50),     # green felt
    (45, 50, 100),    # dark red cloth
    (150, 160, 170),  # beige
)


def smooth_noise(shape: tuple[int, int], cells: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-ish noise with about `cells` (rows, cols) blobs."""
    small = rng.standard_normal((max(2, cells[0]), max(2, cells[1]))).astype(np.float32)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def wood_texture(
    shape: tuple[int, int],
    colour: tuple[float, float, float],
    rng: np.random.Generator,
    *,
    grain_along_x: bool,
    px_per_mm: float,
    strength: float = 1.0,
) -> np.ndarray:
    """A wood surface with growth rings and fibre streaks running along one axis."""
    h, w = shape
    # Grain is drawn at up to 640 px and scaled up: it has no detail finer than that
    # at camera resolution, and this is the slowest part of making a scene.
    work = min(1.0, 640.0 / max(h, w))
    if work < 1.0:
        small = (max(8, int(h * work)), max(8, int(w * work)))
        tex = wood_texture(small, colour, rng, grain_along_x=grain_along_x, px_per_mm=px_per_mm * work, strength=strength)
        return cv2.resize(tex, (w, h), interpolation=cv2.INTER_LINEAR)
    if not grain_along_x:
        return np.ascontiguousarray(
            wood_texture((w, h), colour, rng, grain_along_x=True, px_per_mm=px_per_mm, strength=strength).transpose(1, 0, 2)
        )
    # Across the grain (rows) rings vary fast; along it (cols) slowly.
    ring_period_px = rng.uniform(2.5, 9.0) * px_per_mm
    warp = smooth_noise(shape, (rng.integers(3, 7), rng.integers(2, 4)), rng) * ring_period_px * rng.uniform(0.8, 2.5)
    ys = np.arange(h, dtype=np.float32)[:, None]
    phase = (ys + warp) / ring_period_px
    rings = np.abs(np.sin(np.pi * phase)) ** rng.uniform(2.0, 6.0)
    streaks = smooth_noise(shape, (int(h / max(1.0, 0.6 * px_per_mm)), rng.integers(2, 6)), rng)
    blotch = smooth_noise(shape, (4, 4), rng)
    fine = rng.standard_normal(shape).astype(np.float32)
    shade = (
        1.0
        - strength * rng.uniform(0.04, 0.14) * rings
        + strength * 0.025 * streaks
        + strength * 0.03 * blotch
        + 0.012 * fine
    )
    tint = np.array(colour, dtype=np.float32) * rng.uniform(0.92, 1.08, size=3).astype(np.float32)
    return shade[:, :, None] * tint[None, None, :]


def table_texture(shape: tuple[int, int], rng: np.random.Generator, px_per_mm: float) -> np.ndarray:
    """A table top: wooden planks, or cloth/laminate with fine texture."""
    colour = TABLE_COLOURS[rng.integers(len(TABLE_COLOURS))]
    colour = tuple(float(c) * rng.uniform(0.8, 1.15) for c in colour)
    kind = rng.integers(3)
    h, w = shape
    if kind == 0:
        tex = wood_texture(shape, colour, rng, grain_along_x=bool(rng.integers(2)), px_per_mm=px_per_mm, strength=1.5)
        plank = rng.uniform(80, 200) * px_per_mm
        gaps = (np.arange(h) % max(2, int(plank))) < max(1, int(0.8 * px_per_mm))
        tex[gaps] *= 0.55
        return tex
    base = np.full((h, w, 3), colour, dtype=np.float32)
    shade = 1.0 + 0.05 * smooth_noise(shape, (6, 6), rng) + 0.03 * rng.standard_normal(shape).astype(np.float32)
    if kind == 2:
        weave = np.sin(np.arange(w, dtype=np.float32) * rng.uniform(0.8, 2.0))[None, :] * np.sin(
            np.arange(h, dtype=np.float32) * rng.uniform(0.8, 2.0)
        )[:, None]
        shade += 0.03 * weave
    return base * shade[:, :, None]
