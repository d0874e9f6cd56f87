"""The learned corner finder: where the grid's four outer corners are in a camera frame.

A small TFLite network (`models/corners_float32.tflite`, trained by
`models/recipe/train_corners.py` on rendered frames) looks at the whole frame,
letterboxed into a square, and gives one heatmap whose peaks are the outer
grid corners. It sees the board as a whole, so it places corners that the
line search cannot: under a hand, on a crowded board, past a line that wood
grain or blur hides. Its corners are only a spacing or so right; board
finding (`guided`) uses them for the board's extent and perspective and
measures the lines themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.runtime.model import TFLiteModel

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "corners_float32.tflite"
_PEAK_FLOOR = 0.1
"""Heatmap level below which a peak is not a corner at all."""


@dataclass(frozen=True)
class Letterbox:
    """How a frame was scaled into the model's square input: input = frame * scale + offset."""

    scale: float
    offset: tuple[float, float]

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, np.float64) - np.asarray(self.offset)) / self.scale

    def to_input(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, np.float64) * self.scale + np.asarray(self.offset)


def letterbox(image_bgr: np.ndarray, px: int) -> tuple[np.ndarray, Letterbox]:
    """The frame as RGB, scaled to fit a `px` square and centred on grey; training uses the same."""
    if image_bgr.ndim == 2:
        image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
    h, w = image_bgr.shape[:2]
    scale = px / float(max(h, w))
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(image_bgr[..., :3], (nw, nh), interpolation=cv2.INTER_AREA)
    canvas = np.full((px, px, 3), 114, np.uint8)
    ox, oy = (px - nw) // 2, (px - nh) // 2
    canvas[oy:oy + nh, ox:ox + nw] = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    # Scale per axis is the same up to rounding; the mean keeps both within half a pixel.
    return canvas, Letterbox((nw / w + nh / h) / 2.0, (float(ox), float(oy)))


def heatmap_peaks(heat: np.ndarray, count: int = 4, floor: float = _PEAK_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """The `count` strongest local maxima of a (H, W) heatmap, as sub-cell (x, y) and their levels.

    Each peak is placed at the centroid of its 3x3 neighbourhood: the
    training targets are Gaussians centred on the true position, not on a cell.
    """
    dilated = cv2.dilate(heat, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero((heat >= dilated) & (heat >= floor))
    order = np.argsort(-heat[ys, xs])[:count]
    padded = np.pad(heat, 1)
    dy, dx = np.mgrid[-1:2, -1:2]
    points, levels = [], []
    for y, x in zip(ys[order], xs[order]):
        patch = padded[y:y + 3, x:x + 3]
        total = float(patch.sum())
        points.append((x + float((patch * dx).sum()) / total, y + float((patch * dy).sum()) / total))
        levels.append(float(heat[y, x]))
    return np.array(points, np.float64).reshape(-1, 2), np.array(levels, np.float64)


def cell_to_input(cells: np.ndarray, stride: int) -> np.ndarray:
    """Heatmap cell coordinates -> input pixels (cell j covers pixels j*stride .. (j+1)*stride)."""
    return (np.asarray(cells, np.float64) + 0.5) * stride


def input_to_cell(points: np.ndarray, stride: int) -> np.ndarray:
    return np.asarray(points, np.float64) / stride - 0.5


@dataclass(frozen=True)
class CornerHeat:
    """The network's corner heatmap for one frame, and how to reach it from frame pixels."""

    heat: np.ndarray
    """(H, W) float32, 0..1."""
    box: Letterbox
    stride: int

    def peaks(self, count: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """The `count` strongest peaks in frame pixels, strongest first, and their levels."""
        cells, levels = heatmap_peaks(self.heat, count)
        return self.box.to_frame(cell_to_input(cells, self.stride)), levels

    def level_at(self, points: np.ndarray, reach_px: float | None = None) -> np.ndarray:
        """The heatmap's highest level within a cell of each frame point (0 outside the map), or
        within `reach_px` frame pixels where that is less than a cell: on a board far from the
        camera the next line's corner lies within a cell of the true one."""
        reach = 1.0 if reach_px is None else reach_px * self.box.scale / self.stride
        if reach < 1.0:
            steps = np.linspace(-reach, reach, 5)
            offsets = np.array([(x, y) for x in steps for y in steps if x * x + y * y <= reach * reach + 1e-9])
            pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
            around = pts + offsets[None] * (self.stride / self.box.scale)
            return self.value_at(around.reshape(-1, 2)).reshape(len(pts), -1).max(axis=1)
        cells = np.rint(input_to_cell(self.box.to_input(points), self.stride)).astype(np.int64)
        h, w = self.heat.shape
        out = np.zeros(len(cells))
        for k, (x, y) in enumerate(cells):
            if 0 <= x < w and 0 <= y < h:
                out[k] = float(self.heat[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].max())
        return out

    def value_at(self, points: np.ndarray) -> np.ndarray:
        """The heatmap interpolated at each frame point (0 outside the map): unlike `level_at`,
        it tells apart points a grid spacing apart on a board far from the camera."""
        cells = input_to_cell(self.box.to_input(points), self.stride).astype(np.float32).reshape(-1, 1, 2)
        values = cv2.remap(self.heat.astype(np.float32), cells[..., 0], cells[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return values.reshape(-1).astype(np.float64)


class CornerModel:
    def __init__(self, model: TFLiteModel) -> None:
        self.model = model
        self.input_px = model.input_size[0]
        self.stride = int(model.metadata.decode.get("stride", 4))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL, threads: int = 1) -> "CornerModel":
        # The CPU always: the corner finder runs once per calibration, not per frame.
        return cls(TFLiteModel(path, delegate="cpu", num_threads=threads))

    def heatmap(self, image_bgr: np.ndarray) -> CornerHeat:
        canvas, box = letterbox(image_bgr, self.input_px)
        return CornerHeat(self.model.run(canvas)["heatmap"][..., 0], box, self.stride)
