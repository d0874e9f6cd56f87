"""Precision-recall curves drawn with OpenCV (no plotting library on the device)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 50, 60
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (40, 40, 40)
_GRID = (225, 225, 225)


@dataclass(frozen=True)
class Curve:
    label: str
    recall: np.ndarray
    precision: np.ndarray
    color: tuple[int, int, int]
    """BGR."""


def _to_px(recall: np.ndarray, precision: np.ndarray) -> np.ndarray:
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    x = _LEFT + np.clip(recall, 0, 1) * plot_w
    y = HEIGHT - _BOTTOM - np.clip(precision, 0, 1) * plot_h
    return np.round(np.column_stack([x, y])).astype(np.int32)


def draw_pr_curves(
    title: str,
    curves: Sequence[Curve],
    operating_point: tuple[float, float] | None = None,
    operating_label: str = "",
) -> np.ndarray:
    """A white BGR image with axes, grid, the curves and an optional marked point
    (recall, precision)."""
    img = np.full((HEIGHT, WIDTH, 3), 255, dtype=np.uint8)
    for k in range(11):
        v = k / 10
        (x0, y0), (x1, y1) = _to_px(np.array([v, v]), np.array([0.0, 1.0]))
        cv2.line(img, (x0, y0), (x1, y1), _GRID, 1)
        (x0, y0), (x1, y1) = _to_px(np.array([0.0, 1.0]), np.array([v, v]))
        cv2.line(img, (x0, y0), (x1, y1), _GRID, 1)
        if k % 2 == 0:
            (tx, ty), _ = _to_px(np.array([v, 0.0]), np.array([0.0, 0.0]))
            cv2.putText(img, f"{v:.1f}", (tx - 12, HEIGHT - _BOTTOM + 20), _FONT, 0.45, _INK, 1, cv2.LINE_AA)
            (tx, ty), _ = _to_px(np.array([0.0, 0.0]), np.array([v, 0.0]))
            cv2.putText(img, f"{v:.1f}", (_LEFT - 35, ty + 5), _FONT, 0.45, _INK, 1, cv2.LINE_AA)
    cv2.rectangle(img, (_LEFT, _TOP), (WIDTH - _RIGHT, HEIGHT - _BOTTOM), _INK, 1)
    cv2.putText(img, "recall", (WIDTH // 2 - 20, HEIGHT - 18), _FONT, 0.55, _INK, 1, cv2.LINE_AA)
    cv2.putText(img, "precision", (8, _TOP - 6), _FONT, 0.55, _INK, 1, cv2.LINE_AA)
    cv2.putText(img, title, (_LEFT, 20), _FONT, 0.6, _INK, 1, cv2.LINE_AA)
    for n, curve in enumerate(curves):
        pts = _to_px(np.asarray(curve.recall), np.asarray(curve.precision))
        cv2.polylines(img, [pts.reshape(-1, 1, 2)], False, curve.color, 2, cv2.LINE_AA)
        ly = _TOP + 22 + 20 * n
        cv2.line(img, (WIDTH - _RIGHT - 170, ly - 5), (WIDTH - _RIGHT - 140, ly - 5), curve.color, 2)
        cv2.putText(img, curve.label, (WIDTH - _RIGHT - 132, ly), _FONT, 0.45, _INK, 1, cv2.LINE_AA)
    if operating_point is not None:
        (px, py), = _to_px(np.array([operating_point[0]]), np.array([operating_point[1]]))
        cv2.circle(img, (int(px), int(py)), 6, (0, 0, 220), 2, cv2.LINE_AA)
        if operating_label:
            cv2.putText(img, operating_label, (int(px) - 60, int(py) + 22), _FONT, 0.45, (0, 0, 220), 1, cv2.LINE_AA)
    return img


def encode_png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("OpenCV could not encode a PNG")
    return data.tobytes()
