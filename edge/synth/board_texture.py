"""The board's top face seen straight from above: wood, lines, star points,
and sometimes a printed coordinate border. Drawn once per scene."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.board_model import BoardModel
from edge.synth.wood import BOARD_WOODS, wood_texture

_SHIFT = 4
_ONE = 1 << _SHIFT
_LETTERS = "ABCDEFGHJKLMNOPQRST"


def star_points(size: int) -> list[tuple[int, int]]:
    if size >= 19:
        lines = [3, size // 2, size - 4]
    elif size >= 13:
        return [(3, 3), (3, size - 4), (size - 4, 3), (size - 4, size - 4), (size // 2, size // 2)]
    else:
        return [(2, 2), (2, size - 3), (size - 3, 2), (size - 3, size - 3), (size // 2, size // 2)]
    return [(r, c) for r in lines for c in lines]


@dataclass(frozen=True)
class BoardTexture:
    image: np.ndarray
    """(h, w, 3) float32 BGR top face, wood rectangle only."""
    px_per_mm: float

    def world_to_texture(self, board: BoardModel) -> np.ndarray:
        """3x3 affine (as homography) from world (x, y) mm to texture px."""
        wx, wy = board.wood_half
        s = self.px_per_mm
        return np.array([[s, 0, wx * s], [0, s, wy * s], [0, 0, 1]], dtype=np.float64)


def render_board_texture(board: BoardModel, rng: np.random.Generator, px_per_mm: float) -> BoardTexture:
    wx, wy = board.wood_half
    w = int(round(2 * wx * px_per_mm))
    h = int(round(2 * wy * px_per_mm))
    colour = BOARD_WOODS[rng.integers(len(BOARD_WOODS))]
    tex = wood_texture((h, w), colour, rng, grain_along_x=bool(rng.random() < 0.7), px_per_mm=px_per_mm)

    ink = np.zeros((h, w), dtype=np.uint8)
    line_mm = rng.uniform(0.5, 1.3)
    edge_mm = line_mm * rng.choice([1.0, 1.0, 1.6, 2.0])
    n = board.size

    def to_px(x: float, y: float) -> tuple[int, int]:
        return int(round((x + wx) * px_per_mm * _ONE)), int(round((y + wy) * px_per_mm * _ONE))

    def line(p: tuple[float, float], q: tuple[float, float], width_mm: float) -> None:
        thickness = max(1, int(round(width_mm * px_per_mm)))
        cv2.line(ink, to_px(*p), to_px(*q), 255, thickness, cv2.LINE_AA, _SHIFT)

    for i in range(n):
        x0, y0 = board.point_xy((0, i))
        x1, y1 = board.point_xy((n - 1, i))
        line((x0, y0), (x1, y1), edge_mm if i in (0, n - 1) else line_mm)
        x0, y0 = board.point_xy((i, 0))
        x1, y1 = board.point_xy((i, n - 1))
        line((x0, y0), (x1, y1), edge_mm if i in (0, n - 1) else line_mm)
    hoshi_mm = rng.uniform(2.5, 4.5)
    for point in star_points(n):
        cv2.circle(ink, to_px(*board.point_xy(point)), int(hoshi_mm / 2 * px_per_mm * _ONE), 255, -1, cv2.LINE_AA, _SHIFT)

    if rng.random() < 0.35 and min(board.margin_x, board.margin_y) > 10:
        _draw_coordinates(ink, board, px_per_mm, to_px, rng)

    alpha = ink.astype(np.float32) * (rng.uniform(0.75, 0.95) / 255.0)
    ink_colour = np.array([rng.uniform(10, 35)] * 3, dtype=np.float32)
    tex = tex * (1 - alpha[:, :, None]) + ink_colour * alpha[:, :, None]
    # The ink sits in the surface; a touch of blur keeps lines from looking vector-drawn.
    tex = cv2.GaussianBlur(tex, (0, 0), max(0.3, 0.15 * px_per_mm))
    return BoardTexture(tex, px_per_mm)


def _draw_coordinates(ink, board, px_per_mm, to_px, rng) -> None:
    n = board.size
    scale = 0.3 * min(board.margin_x, board.margin_y) * px_per_mm / 22.0
    thickness = max(1, int(round(0.35 * px_per_mm)))
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(n):
        label_col = _LETTERS[i]
        label_row = str(n - i)
        for text, (x, y) in (
            (label_col, board.point_xy((0, i))),
            (label_col, board.point_xy((n - 1, i))),
            (label_row, board.point_xy((i, 0))),
            (label_row, board.point_xy((i, n - 1))),
        ):
            gx, gy = board.grid_half
            if abs(y) >= gy - 1e-6 and abs(x) < gx + 1e-6 and (text == label_col):
                y = np.sign(y) * (gy + board.margin_y * 0.5)
            else:
                x = np.sign(x) * (gx + board.margin_x * 0.5)
            (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
            px, py = to_px(x, y)
            org = (int(px / _ONE - tw / 2), int(py / _ONE + th / 2))
            cv2.putText(ink, text, org, font, scale, 255, thickness, cv2.LINE_AA)
