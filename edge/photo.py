"""One photo read whole: the board found by its lines, or by its outline and its stones.

The line search (`calibration.find`) places the grid where it measures the
board's lines. A crowded, blurred or dimly lit board can hide them, or show
few enough that the search settles on the wrong size; its stones still show.
So where the search finds no board, or the stones read on its board mostly
fall between the intersections (`edge.board.stone_fit`), the outline the corner
model sees is read too, at each board size: the size whose lattice the stones
sit on is the board's, and that reading is kept when most of enough stones
sit on it, more of them than on the search's board.
"""

from __future__ import annotations

import numpy as np

from calibration.corner_model import CornerModel
from calibration.corners import is_convex_quad, order_corners
from calibration.find import find_board
from calibration.store import Calibration
from edge.board.position import BOARD_SIZES
from edge.board.stone_fit import StoneFit, stone_fit
from edge.errors import NoBoardError
from edge.reading import BoardReader, FrameResult

MIN_STONES = 20
"""Confident stones below which a board's placement is not judged by them."""
MIN_ON_GRID = 0.5
"""The share of them an outlined board needs on its intersections; a board found by its
lines is trusted unless fewer than this sit on its own."""

Read = tuple[Calibration, FrameResult]


def read_photo(image: np.ndarray, reader: BoardReader, size: int | None, corner_model: CornerModel | None,
               source: str) -> Read:
    """The board's calibration and reading. Raises NoBoardError where neither way finds one
    (without a `corner_model`, where the line search finds none)."""
    try:
        calibration = Calibration.from_fit(find_board(image, size, corner_model=corner_model), source)
    except NoBoardError as exc:
        found, error = None, exc
    else:
        found = (calibration, reader.read(image, calibration, calibration.board_size))
        if corner_model is None or _trusted(_fit(reader, found)):
            return found
    if corner_model is None:
        raise error
    outlined = _outlined(image, reader, (size,) if size else BOARD_SIZES, corner_model, source)
    if outlined is not None and (found is None or _fit(reader, outlined).on_grid > _fit(reader, found).on_grid):
        return outlined
    if found is None:
        raise error
    return found


def _fit(reader: BoardReader, read: Read) -> StoneFit:
    result = read[1]
    return stone_fit(result.detections, result.reading, reader.geometry)


def _trusted(fit: StoneFit) -> bool:
    return fit.stones < MIN_STONES or fit.on_grid >= MIN_ON_GRID


def _outlined(image: np.ndarray, reader: BoardReader, sizes: tuple[int, ...], corner_model: CornerModel,
              source: str) -> Read | None:
    """The board within the corner model's four strongest peaks, at the size its stones sit on best."""
    peaks, _ = corner_model.heatmap(image).peaks(4)
    if len(peaks) < 4:
        return None
    corners = order_corners(peaks)
    if not is_convex_quad(corners):
        return None
    height, width = image.shape[:2]
    reads = []
    for board_size in sizes:
        calibration = Calibration.from_corners(corners, board_size, (width, height), source, method="stones")
        reads.append((calibration, reader.read(image, calibration, board_size)))
    best = max(reads, key=lambda read: _fit(reader, read).on_grid)
    fit = _fit(reader, best)
    return best if fit.stones >= MIN_STONES and fit.on_grid >= MIN_ON_GRID else None
