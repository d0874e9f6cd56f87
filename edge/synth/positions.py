"""Plausible random positions: stones grow in clusters from the corners and
sides as in real games, black and white alternate, and every group keeps a
liberty (no captures pending, no suicides)."""

from __future__ import annotations

import cv2
import numpy as np

from edge.board.position import Color, Point, Position
from edge.errors import BadInputError

_NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _group_has_liberty(board: np.ndarray, start: Point) -> bool:
    size = board.shape[0]
    colour = board[start]
    seen = {start}
    stack = [start]
    while stack:
        r, c = stack.pop()
        for dr, dc in _NEIGHBOURS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < size and 0 <= cc < size:
                v = board[rr, cc]
                if v == 0:
                    return True
                if v == colour and (rr, cc) not in seen:
                    seen.add((rr, cc))
                    stack.append((rr, cc))
    return False


def _legal_without_capture(board: np.ndarray, point: Point, colour: int) -> bool:
    board[point] = colour
    try:
        if not _group_has_liberty(board, point):
            return False
        size = board.shape[0]
        r, c = point
        for dr, dc in _NEIGHBOURS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < size and 0 <= cc < size and board[rr, cc] == -colour:
                if not _group_has_liberty(board, (rr, cc)):
                    return False
        return True
    finally:
        board[point] = 0


_CROSS = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float64)
_DIAG = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], np.float64)
_NEAR = np.ones((5, 5), np.float64)


def _count(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    # Neighbour counts as one correlation each: this runs per placed stone, so a
    # Python sum of shifted arrays made positions the slowest part of a render.
    return cv2.filter2D(a, -1, kernel, borderType=cv2.BORDER_CONSTANT)


def _weights(board: np.ndarray, colour: int, line_pref: np.ndarray) -> np.ndarray:
    friend = (board == colour).astype(np.float64)
    enemy = (board == -colour).astype(np.float64)
    adj_f = _count(friend, _CROSS)
    adj_e = _count(enemy, _CROSS)
    diag_f = _count(friend, _DIAG)
    near = _count(friend + enemy, _NEAR)
    w = 0.02 * line_pref + 2.5 * adj_f + 1.5 * diag_f + 1.2 * adj_e + 0.4 * near
    w[board != 0] = 0
    return w


def random_position(size: int, rng: np.random.Generator, *, fill: float | None = None) -> Position:
    """A position of `size` x `size` with about `fill` of the points occupied
    (random from empty to ~70% when None)."""
    if not 2 <= size <= 25:
        raise BadInputError(f"board size {size} is outside 2..25")
    if fill is None:
        u = rng.random()
        fill = 0.0 if u < 0.04 else rng.uniform(0.0, 0.1) if u < 0.25 else rng.uniform(0.1, 0.7)
    if not 0.0 <= fill <= 1.0:
        raise BadInputError(f"fill {fill} is outside 0..1")
    target = int(round(fill * size * size))
    board = np.zeros((size, size), np.int8)
    # Real games start on the 3rd-4th lines and spread from there.
    line = np.minimum(np.minimum.outer(np.arange(size), np.arange(size)[::-1]), np.minimum.outer(np.arange(size)[::-1], np.arange(size)))
    line_pref = np.where((line >= 2) & (line <= 3), 6.0, 1.0) if size >= 9 else np.ones((size, size))
    colour = 1
    # Captures make the counts drift apart a little.
    extra = {1: 0, -1: 0}
    if rng.random() < 0.3:
        extra[1 if rng.random() < 0.5 else -1] = int(rng.integers(1, 4))
    placed = 0
    while placed < target:
        w = _weights(board, colour, line_pref)
        if rng.random() < 0.12:
            w = np.where(board == 0, line_pref, 0.0)
        for _ in range(30):
            total = w.sum()
            if total <= 0:
                break
            flat = rng.choice(size * size, p=(w / total).ravel())
            point = (int(flat // size), int(flat % size))
            if _legal_without_capture(board, point, colour):
                board[point] = colour
                placed += 1
                break
            w[point] = 0
        else:
            break
        if total <= 0:
            break
        if extra[colour] > 0:
            extra[colour] -= 1
        else:
            colour = -colour
    stones: dict[Point, Color] = {
        (int(r), int(c)): ("b" if board[r, c] > 0 else "w") for r, c in zip(*np.nonzero(board))
    }
    return Position(size, stones)
