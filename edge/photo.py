"""One photo read whole: the board found by its lines, or by its outline and its stones.

The line search (`calibration.find`) places the grid where it measures the
board's lines. A crowded, blurred or dimly lit board can hide them, or show
few enough that the search settles on the wrong size; its stones still show.
So where the search finds no board, or the stones read on its board mostly
fall between the intersections (`edge.board.stone_fit`), the outlines the
corner model sees are read too, at each board size. The outline and size with
the most stones on their points is moved onto the image's lines, through its
stones (`stone_fit.corners_through_stones`) and a line (`shifted_a_line`)
where that puts more of them on points, and wins when most of enough stones sit on its points, more than
on the search's board.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import cv2
import numpy as np

from calibration.align import align_in_image
from calibration.corner_model import CornerHeat, CornerModel
from calibration.corners import is_convex_quad, order_corners
from calibration.find import find_board
from calibration.guided import corner_quads
from calibration.store import Calibration
from edge.board.mapping import BoardReading, map_to_board
from edge.board.position import BOARD_SIZES
from edge.board.stone_fit import StoneFit, corners_through_stones, shifted_a_line, stone_fit
from edge.detect.types import Detection
from edge.errors import NoBoardError
from edge.reading import BoardReader, FrameResult
from edge.rectify.geometry import RectifiedGeometry

MIN_STONES = 20
"""Confident stones below which a board's placement is not judged by them."""
MIN_SHARE = 0.5
"""The share of them an outlined board needs on its points; a board found by its lines
is trusted unless fewer than this sit on its own."""

_PART_OF_OUTLINE = 1.5
"""Area ratio from which the corner model's outline is bigger than a found board (a 13x13
part of a 19x19 grid: 2.25)."""
_STONE_ROUNDS = 3
"""Times at most an outline is moved through its stones: each round's stones sit nearer their points."""

Read = tuple[Calibration, FrameResult]


def read_photo(image: np.ndarray, reader: BoardReader, size: int | None, corner_model: CornerModel | None,
               source: str) -> Read:
    """The board's calibration and reading. Raises NoBoardError where neither way finds one
    (without a `corner_model`, where the line search finds none)."""
    try:
        calibration = Calibration.from_fit(find_board(image, size, corner_model=corner_model), source)
    except NoBoardError as exc:
        if corner_model is None:
            raise
        found, found_fit, error = None, StoneFit(0, 0), exc
    else:
        found = (calibration, reader.read(image, calibration, calibration.board_size))
        found_fit = _fit(found, reader.geometry)
        if corner_model is None:
            return found
    heat = corner_model.heatmap(image)
    if found is not None and (found_fit.stones < MIN_STONES or found_fit.share >= MIN_SHARE) and (
            not _within_bigger_outline(found[0].corners, heat)):
        return found
    outlined = _outlined(image, reader, (size,) if size else BOARD_SIZES, heat, source, found_fit)
    if outlined is not None:
        return outlined
    if found is None:
        raise error
    return found


def _within_bigger_outline(corners: np.ndarray, heat: CornerHeat) -> bool:
    """Whether the corner model outlines a board much bigger than these corners: all of
    its stones may sit on a 9x9 part of a 19x19 grid."""
    peaks, _ = heat.peaks()
    return len(peaks) == 4 and cv2.contourArea(order_corners(peaks).astype(np.float32)) > _PART_OF_OUTLINE * (
        cv2.contourArea(np.asarray(corners, dtype=np.float32)))


def _outlined(image: np.ndarray, reader: BoardReader, sizes: tuple[int, ...], heat: CornerHeat,
              source: str, to_beat: StoneFit) -> Read | None:
    """The board in the corner model's outline (its four strongest peaks, or those with a weaker
    peak in place of one) at the size with the most stones on its points, moved where more
    sit on them, if most of enough stones do and more than `to_beat`'s."""
    geometry = reader.geometry
    best: tuple[StoneFit, np.ndarray, int] | None = None
    # The stones judge each outline, so every peak the heatmap has is tried, however weak.
    for quad in corner_quads(heat, level=0.0):
        corners = order_corners(quad)
        if not is_convex_quad(corners):
            continue
        # The rectified image is the same for every size: detected once, mapped at each.
        detections = reader.detector.detect(_calibration(image, corners, max(sizes), source).rectify(image, geometry))
        for board_size in sizes:
            fit = stone_fit(detections, map_to_board(detections, board_size, geometry), geometry)
            if fit.stones >= MIN_STONES and (best is None or fit.on_points > best[0].on_points):
                best = (fit, corners, board_size)
    if best is None:
        return None
    _, corners, board_size = best
    # The peaks are a heatmap cell apart, so an outline is often half a spacing off: moved
    # onto the image's lines, then, while that puts more stones on its points, so that its
    # lattice passes through the stones, and last a line where more stones then sit on points.
    first = _read(image, reader, corners, board_size, source)
    kept = (first, _fit(first, geometry))
    aligned = _read(image, reader, order_corners(align_in_image(image, corners, board_size)), board_size, source)
    kept = _more_on_points(kept, aligned, geometry) or kept
    through = partial(corners_through_stones, min_stones=MIN_STONES)
    for _ in range(_STONE_ROUNDS):
        placed = _more_on_points(kept, _placed_by_stones(image, reader, kept[0], source, through), geometry)
        if placed is None:
            break
        kept = placed
    kept = _more_on_points(kept, _placed_by_stones(image, reader, kept[0], source, shifted_a_line), geometry) or kept
    read, fit = kept
    return read if fit.share >= MIN_SHARE and fit.on_points > to_beat.on_points else None


def _fit(read: Read, geometry: RectifiedGeometry) -> StoneFit:
    return stone_fit(read[1].detections, read[1].reading, geometry)


def _more_on_points(best: tuple[Read, StoneFit], other: Read | None,
                    geometry: RectifiedGeometry) -> tuple[Read, StoneFit] | None:
    """`other` with its fit where it puts more stones on points than `best`, else None."""
    if other is None:
        return None
    fit = _fit(other, geometry)
    return (other, fit) if fit.on_points > best[1].on_points else None


def _placed_by_stones(image: np.ndarray, reader: BoardReader, read: Read, source: str,
                      place: Callable[[list[Detection], BoardReading, RectifiedGeometry], np.ndarray | None]
                      ) -> Read | None:
    """The board read again with its corners where `place` puts them by its stones (rectified pixels)."""
    calibration, result = read
    rectified = place(result.detections, result.reading, reader.geometry)
    if rectified is None:
        return None
    corners = order_corners(calibration.to_image(rectified, reader.geometry))
    return _read(image, reader, corners, calibration.board_size, source) if is_convex_quad(corners) else None


def _calibration(image: np.ndarray, corners: np.ndarray, size: int, source: str) -> Calibration:
    height, width = image.shape[:2]
    return Calibration.from_corners(corners, size, (width, height), source, method="stones")


def _read(image: np.ndarray, reader: BoardReader, corners: np.ndarray, size: int, source: str) -> Read:
    calibration = _calibration(image, corners, size, source)
    return calibration, reader.read(image, calibration, size)
