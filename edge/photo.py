"""One photo read whole: the board found by its lines, or by its outline and its stones.

The line search (`calibration.find`) places the grid where it measures the
board's lines. A crowded, blurred or dimly lit board can hide them, or show
few enough that the search settles on the wrong size; its stones still show.
So where the search finds no board, or the stones read on its board mostly
fall between the intersections (`edge.board.stone_fit`), the outlines the
corner model sees are read too, at each board size, each placed on the lattice
its stones span (`stone_fit.placements_through_stones`: an outline with a
corner lines off still has them on a lattice). The outline and size with the
most stones on points is moved onto the image's lines and onto its stones'
lattice again where that puts more of them on points, and wins when most of
enough stones sit on its points, more than on the search's board. Where no
outline wins (a forearm hides the lines and most corners), the board is sought
inside each outline of its wood (`calibration.wood`), at the size and margins
that put the most stones on its points. Where the
stones fall between the points of the search's board, the other boards its
lines bear out are read too, and the one with most of its stones on points is
kept. A board the search places is moved onto its stones' lattice too (started
from fewer stones where a hand parts them) where that puts more of them on
points, less those off them, and the corner model sees the moved corners about
as well.
"""

from __future__ import annotations

import cv2
import numpy as np

from calibration.align import align_in_image
from calibration.corner_model import CornerHeat, CornerModel
from calibration.corners import is_convex_quad, order_corners
from calibration.find import OtherBoard, find_board
from calibration.guided import corner_quads
from calibration.lens import LensDistortion
from calibration.store import Calibration
from calibration.wood import wood_outlines
from edge.board.mapping import BoardReading, map_to_board
from edge.board.position import BOARD_SIZES
from edge.board.stone_fit import StoneFit, margins_through_stones, placements_through_stones, stone_fit
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
_FOUND_MOVE_LEAST = 0.5
"""Spacings some corner of a board its lines placed must move for its stones to move it: within
that the lines place it better, with the lens's distortion, which an outline lacks."""
_FOUND_MOVE_UNSEEN = 0.4
"""Summed corner level (four corners, 0..1 each) that a board its lines placed may lose when its
stones move it: a line off, past loose stones, its corners lose about a level of 0.5 or more."""
_FOUND_FIRST_STONES = 8
"""Neighbouring stones that may start the lattice a board its lines placed is moved onto: a hand
between groups of stones leaves fewer than `MIN_STONES` together, and the corner model checks the move."""
_OTHER_STONES = 8
"""Stones on points from which another board the lines bear out may replace the found one: fewer
than `MIN_STONES`, since every board compared is one the lines measured."""
_STONE_ROUNDS = 3
"""Times at most an outline is moved onto its stones' lattice: each read fits the parallax field anew."""
_WOOD_STONES = 10
"""Confident stones from which a board inside a wood outline is judged by them: fewer than
`MIN_STONES`, since the wood bounds the board and they only choose its size and margins."""
_WOOD_SHARE = 0.8
"""The share of them it needs on its points: more than `MIN_SHARE`, since the margins are sought
where most stones sit on points, and a few stones always sit near some such lattice."""
_WOOD_MARGINS = np.arange(0.3, 2.65, 0.05)
"""Spacings of wood beyond the outer lines tried each way: boards have about 0.6 to 2.2."""
_UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
"""The rectified square's corners in its own units, in `RectifiedGeometry.grid_corners`' order."""
_WOOD_SLACK = 1.0
"""Spacings by which a board's margins in its wood may pass those tried once it is settled: the
hull cuts off a corner that a stone or a fingertip hides."""

Read = tuple[Calibration, FrameResult]


def read_photo(image: np.ndarray, reader: BoardReader, size: int | None, corner_model: CornerModel | None,
               source: str) -> Read:
    """The board's calibration and reading. Raises NoBoardError where neither way finds one
    (without a `corner_model`, where the line search finds none)."""
    heat = None if corner_model is None else corner_model.heatmap(image)
    try:
        fit = find_board(image, size, heat=heat)
    except NoBoardError as exc:
        if heat is None:
            raise
        found, found_fit, others, error = None, StoneFit(0, 0), (), exc
    else:
        calibration, others = Calibration.from_fit(fit, source), fit.others
        found = (calibration, reader.read(image, calibration, calibration.board_size))
        found_fit = _fit(found, reader.geometry)
        if heat is None:
            return found
    if found is not None and (found_fit.stones < MIN_STONES or found_fit.share >= MIN_SHARE) and (
            not _within_bigger_outline(found[0].corners, heat)):
        found, found_fit = _other_on_its_stones(image, reader, others, (found, found_fit), source)
        return _found_on_its_stones(image, reader, found, found_fit, heat, source)
    sizes = (size,) if size else BOARD_SIZES
    outlined = _outlined(image, reader, sizes, heat, source, found_fit) or (
        _wood_outlined(image, reader, sizes, heat, source, found_fit))
    if outlined is not None:
        return outlined
    if found is None:
        raise error
    return _other_on_its_stones(image, reader, others, (found, found_fit), source)[0]


def _other_on_its_stones(image: np.ndarray, reader: BoardReader, others: tuple[OtherBoard, ...],
                         found: tuple[Read, StoneFit], source: str) -> tuple[Read, StoneFit]:
    """Where most of the found board's stones fall between its points, the other board the lines
    bear out with the most stones on its points, where most of at least `_OTHER_STONES` stones
    sit on them and more than on the found board; else the found board. The corner model chose
    the found one by its corners: a hand over two of them leaves it peaks on a wrong lattice's."""
    if found[1].share >= MIN_SHARE:
        return found
    best = found
    for other in others:
        read = _read(image, reader, other.corners, other.size, source, other.lens, method="auto")
        fit = _fit(read, reader.geometry)
        if fit.on_points >= _OTHER_STONES and fit.share >= MIN_SHARE and fit.on_points > best[1].on_points:
            best = (read, fit)
    return best


def _within_bigger_outline(corners: np.ndarray, heat: CornerHeat) -> bool:
    """Whether the corner model outlines a board much bigger than these corners: all of
    its stones may sit on a 9x9 part of a 19x19 grid."""
    peaks, _ = heat.peaks()
    return len(peaks) == 4 and cv2.contourArea(order_corners(peaks).astype(np.float32)) > _PART_OF_OUTLINE * (
        cv2.contourArea(np.asarray(corners, dtype=np.float32)))


def _outlined(image: np.ndarray, reader: BoardReader, sizes: tuple[int, ...], heat: CornerHeat,
              source: str, to_beat: StoneFit) -> Read | None:
    """The board in the corner model's outline (its four strongest peaks, or those with a weaker
    peak in place of one), each placed on the lattice its stones span, at the size with the most
    stones on its points, moved where more sit on them, if most of enough stones do and more than
    `to_beat`'s."""
    geometry = reader.geometry
    best: tuple[int, np.ndarray, int] | None = None
    # The stones judge each outline, so every peak the heatmap has is tried, however weak.
    for quad in corner_quads(heat, level=0.0):
        corners = order_corners(quad)
        if not is_convex_quad(corners):
            continue
        # The rectified image is the same for every size: detected once, mapped at each.
        calibration = _calibration(image, corners, max(sizes), source)
        detections = reader.detector.detect(calibration.rectify(image, geometry))
        for board_size in sizes:
            reading = map_to_board(detections, board_size, geometry)
            fit = stone_fit(detections, reading, geometry)
            if fit.stones < MIN_STONES:
                continue
            # An outline with a corner lines off still spans the stones' lattice where they lie.
            on_lattice = _on_stones_lattice(calibration, detections, reading, heat, geometry)
            candidate = (fit.on_points, corners, board_size) if on_lattice is None else (*on_lattice, board_size)
            if best is None or candidate[0] > best[0]:
                best = candidate
    if best is None:
        return None
    _, corners, board_size = best
    first = _read(image, reader, corners, board_size, source)
    read, fit = _settled(image, reader, (first, _fit(first, geometry)), heat, source)
    return read if fit.share >= MIN_SHARE and fit.on_points > to_beat.on_points else None


def _wood_outlined(image: np.ndarray, reader: BoardReader, sizes: tuple[int, ...], heat: CornerHeat,
                   source: str, to_beat: StoneFit) -> Read | None:
    """The board inside an outline of its wood (`calibration.wood`), at the size and margins that
    put the most stones on its points, if `_WOOD_SHARE` of at least `_WOOD_STONES` stones sit on
    them and more than on `to_beat`."""
    geometry = reader.geometry
    best: tuple[Read, StoneFit, np.ndarray] | None = None
    for wood in map(order_corners, wood_outlines(image)):
        if not is_convex_quad(wood):
            continue
        # The wood is rectified as a board would be, detected once, and the grid sought inside it.
        calibration = _calibration(image, wood, max(sizes), source)
        detections = reader.detector.detect(calibration.rectify(image, geometry))
        for board_size in sizes:
            _, *margins = margins_through_stones(detections, geometry, board_size, _WOOD_MARGINS)
            corners = order_corners(calibration.to_image(_inset(geometry, board_size, *margins), geometry))
            # Read, so that the parallax field is fitted: a 19x19 lattice through a 9x9 board's
            # stones puts them on its points too, and the smaller board, read first, keeps a tie.
            read = _read(image, reader, corners, board_size, source)
            fit = _fit(read, geometry)
            if best is None or fit.on_points > best[1].on_points:
                best = (read, fit, wood)
    if best is None:
        return None
    read, fit = _settled(image, reader, best[:2], heat, source)
    wanted = fit.stones >= _WOOD_STONES and fit.share >= _WOOD_SHARE and fit.on_points > to_beat.on_points
    return read if wanted and _within_its_wood(read[0], best[2], geometry) else None


def _within_its_wood(calibration: Calibration, wood: np.ndarray, geometry: RectifiedGeometry) -> bool:
    """Whether the wood reaches beyond each outer corner of a board by about a margin a board has.
    Settled on its stones' lattice, a board may have moved off its wood: a 13x13 part of a crowded
    19x19, whose stones sit on its points too, leaves several spacings of wood beside it."""
    size = calibration.board_size
    at = (calibration.to_rectified(wood) - geometry.margin_px) / geometry.spacing(size)
    margins = (at - _UNIT_SQUARE * (size - 1)) * (2 * _UNIT_SQUARE - 1)
    return bool(np.all(margins >= -_WOOD_SLACK) and np.all(margins <= _WOOD_MARGINS[-1] + _WOOD_SLACK))


def _inset(geometry: RectifiedGeometry, size: int, margin_x: float, margin_y: float) -> np.ndarray:
    """The grid corners (4, 2) of a `size` board whose wood spans the rectified square, with
    `margin_x` and `margin_y` spacings of wood beyond its outer lines."""
    side = geometry.image_px - 1 - 2 * geometry.margin_px
    inset = np.array([margin_x, margin_y]) / (size - 1 + 2 * np.array([margin_x, margin_y])) * side
    return geometry.grid_corners().astype(np.float64) + inset * (1 - 2 * _UNIT_SQUARE)


def _settled(image: np.ndarray, reader: BoardReader, first: tuple[Read, StoneFit], heat: CornerHeat,
             source: str) -> tuple[Read, StoneFit]:
    """An outline's board, read `first` with its fit, moved onto the image's lines, then onto its
    stones' lattice while that puts more of them on points: an outline is often half a spacing off
    (the corner model's peaks are a heatmap cell apart; a wood's hull is drawn on a small frame)."""
    geometry = reader.geometry
    corners, board_size = first[0][0].corners, first[0][0].board_size
    aligned = _read(image, reader, order_corners(align_in_image(image, corners, board_size)), board_size, source)
    kept = _more_on_points(first, aligned, geometry) or first
    for _ in range(_STONE_ROUNDS):
        calibration, result = kept[0]
        on_lattice = _on_stones_lattice(calibration, result.detections, result.reading, heat, geometry)
        moved = on_lattice and _more_on_points(kept, _read(image, reader, on_lattice[1], board_size, source), geometry)
        if not moved:
            break
        kept = moved
    return kept


def _fit(read: Read, geometry: RectifiedGeometry) -> StoneFit:
    return stone_fit(read[1].detections, read[1].reading, geometry)


def _more_on_points(best: tuple[Read, StoneFit], other: Read,
                    geometry: RectifiedGeometry) -> tuple[Read, StoneFit] | None:
    """`other` with its fit where it puts more stones on points than `best`, else None."""
    fit = _fit(other, geometry)
    return (other, fit) if fit.on_points > best[1].on_points else None


def _found_on_its_stones(image: np.ndarray, reader: BoardReader, found: Read, fit: StoneFit, heat: CornerHeat,
                         source: str) -> Read:
    """The line search's board, moved onto its stones' lattice where that moves a corner half a
    spacing or more, leaves the corners about as well seen by the corner model (loose stones
    beside a board can line up with its lattice a line beyond its edge, and a board moved there
    loses its corners) and, read again, has more stones on points less those off them: the moved
    board's rectified image may leave out stones that sat off the found one's points."""
    calibration, result = found
    on_lattice = _on_stones_lattice(calibration, result.detections, result.reading, heat, reader.geometry,
                                    _FOUND_FIRST_STONES)
    if on_lattice is None:
        return found
    placed, corners = on_lattice[1], order_corners(calibration.corners)
    moves = np.linalg.norm(placed - corners, axis=1).max() / calibration.spacing_px()
    if moves < _FOUND_MOVE_LEAST or _corner_level(placed, heat) < _corner_level(corners, heat) - _FOUND_MOVE_UNSEEN:
        return found
    moved = _read(image, reader, placed, calibration.board_size, source)
    return moved if _fit(moved, reader.geometry).net > fit.net else found


def _on_stones_lattice(calibration: Calibration, detections: list[Detection], reading: BoardReading,
                       heat: CornerHeat, geometry: RectifiedGeometry,
                       first_stones: int = MIN_STONES) -> tuple[int, np.ndarray] | None:
    """The stones on points and the image corners of the board placed on the lattice its stones
    span (`first_stones` neighbours at least starting it), where that puts more of them on points;
    of placements the stones rate alike, the one whose corners the corner model sees best. None
    where none does or is a convex outline."""
    moved = placements_through_stones(detections, reading, geometry, MIN_STONES, first_stones)
    if moved is None:
        return None
    options = [order_corners(calibration.to_image(c, geometry)) for c in moved.corners]
    options = [c for c in options if is_convex_quad(c)]
    return (moved.on_points, max(options, key=lambda c: _corner_level(c, heat))) if options else None


def _corner_level(corners: np.ndarray, heat: CornerHeat) -> float:
    """The corner model's summed level at an outline's four corners, each the highest within half the
    spacing a 19x19 board would have on it: the next line's corner must not count."""
    reach = np.mean(np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)) / (max(BOARD_SIZES) - 1) / 2
    return float(heat.level_at(corners, reach_px=reach).sum())


def _calibration(image: np.ndarray, corners: np.ndarray, size: int, source: str,
                 lens: LensDistortion | None = None, method: str = "stones") -> Calibration:
    height, width = image.shape[:2]
    return Calibration.from_corners(corners, size, (width, height), source, lens=lens, method=method)


def _read(image: np.ndarray, reader: BoardReader, corners: np.ndarray, size: int, source: str,
          lens: LensDistortion | None = None, method: str = "stones") -> Read:
    calibration = _calibration(image, corners, size, source, lens, method)
    return calibration, reader.read(image, calibration, size)
