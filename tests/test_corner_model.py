"""The learned corner finder's pieces: letterboxing, peak decoding, and the guided grid fit."""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
import pytest

from calibration.corner_model import CornerHeat, Letterbox, cell_to_input, heatmap_peaks, input_to_cell, letterbox
from calibration.guided import extends, lattice_from_corners, same_board
from calibration.find import _accept, _rejection
from calibration.grid import FitCache, GridContrast, GridObservation, in_frame
from calibration.lens import LensDistortion
from calibration.search import Attempt, best_search
from edge.errors import NoBoardError


def test_letterbox_maps_frame_points_into_the_square_and_back() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[100:110, 200:210] = 255
    canvas, box = letterbox(frame, 256)
    assert canvas.shape == (256, 256, 3)
    # 640 wide -> 256: scale 0.4, centred vertically (192 rows of picture, 32 above).
    assert box.scale == pytest.approx(0.4)
    assert box.offset == (0.0, 32.0)
    assert canvas[:32].max() == canvas[-32:].max() == 114
    x, y = box.to_input(np.array([[205.0, 105.0]]))[0]
    assert canvas[int(y), int(x)].min() > 200
    assert np.allclose(box.to_frame(box.to_input(np.array([[12.5, 400.0]]))), [[12.5, 400.0]])


def test_portrait_frames_are_centred_across() -> None:
    _, box = letterbox(np.zeros((640, 480, 3), np.uint8), 256)
    assert box.offset == (32.0, 0.0)


def _gaussian(shape: tuple[int, int], points: list[tuple[float, float]], levels: list[float]) -> np.ndarray:
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    heat = np.zeros(shape, np.float32)
    for (x, y), level in zip(points, levels):
        heat = np.maximum(heat, level * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 2.0))
    return heat


def test_peaks_are_found_strongest_first_to_a_fraction_of_a_cell() -> None:
    truth = [(10.3, 12.6), (50.0, 9.8), (48.7, 55.2), (8.5, 51.4), (30.0, 30.0)]
    heat = _gaussian((64, 64), truth, [0.9, 0.8, 0.95, 0.7, 0.2])
    points, levels = heatmap_peaks(heat, 4)
    assert len(points) == 4
    # Levels are the peak cells' own, a little under each Gaussian's top.
    assert np.all(np.diff(levels) <= 0) and levels.min() > 0.5
    want = np.array([truth[2], truth[0], truth[1], truth[3]])
    assert np.abs(points - want).max() < 0.25


def test_no_peaks_in_an_empty_heatmap() -> None:
    points, levels = heatmap_peaks(np.zeros((64, 64), np.float32))
    assert points.shape == (0, 2) and levels.shape == (0,)


def test_cells_and_input_pixels_are_inverse() -> None:
    px = np.array([[0.0, 0.0], [2.0, 2.0], [255.0, 100.0]])
    assert np.allclose(cell_to_input(input_to_cell(px, 4), 4), px)
    # Cell 0 covers input pixels 0..4: its centre is 2.
    assert np.allclose(cell_to_input(np.array([[0.0, 0.0]]), 4), [[2.0, 2.0]])


def test_heat_is_read_at_frame_points() -> None:
    box = Letterbox(0.4, (0.0, 32.0))
    frame_point = np.array([[320.0, 240.0]])
    cell = input_to_cell(box.to_input(frame_point), 4)[0]
    heat = _gaussian((64, 64), [tuple(cell)], [0.8])
    levels = CornerHeat(heat, box, 4).level_at(np.array([[320.0, 240.0], [5000.0, 5000.0]]))
    # The point sits at a cell corner: the nearest cells hold exp(-0.25) of the top.
    assert levels[0] == pytest.approx(0.8 * np.exp(-0.25), abs=0.02)
    assert levels[1] == 0.0


def test_heat_is_interpolated_between_cells() -> None:
    box = Letterbox(0.4, (0.0, 32.0))
    peak = input_to_cell(box.to_input(np.array([[320.0, 240.0]])), 4)[0]
    heat = CornerHeat(_gaussian((64, 64), [tuple(peak)], [0.8]), box, 4)
    # The first two 6 px apart, a far board's grid spacing: within one cell of each other here.
    points = np.array([[322.0, 240.0], [328.0, 240.0], [340.0, 240.0], [5000.0, 5000.0]])
    values = heat.value_at(points)
    assert values[0] > values[1] > values[2] > 0.0
    assert values[3] == 0.0
    # Where `level_at` gives both the same cell's neighbourhood.
    level = heat.level_at(points[:2])
    assert level[0] == level[1]
    # Within a third of that spacing, the point beside the peak reaches it and the next does not.
    near = heat.level_at(points, reach_px=2.0)
    assert near[0] >= heat.value_at(np.array([[320.0, 240.0]]))[0]
    assert near[0] > near[1] > near[2] > 0.0
    assert near[3] == 0.0


def test_faint_lines_are_clear_only_with_next_to_nothing_between() -> None:
    from calibration.grid import GridContrast

    assert GridContrast(0.30, 0.10).is_clear()
    assert GridContrast(0.15, 0.02).is_clear()
    assert not GridContrast(0.15, 0.05).is_clear()
    assert not GridContrast(0.10, 0.00).is_clear()


def test_few_lines_make_a_grid_where_three_corners_show_most_crossings_are_measured_and_none_between() -> None:
    from calibration.grid import GridContrast

    assert not GridContrast(0.23, 0.05).is_grid()
    assert GridContrast(0.23, 0.05).is_grid(3, crossings=0.59)
    assert not GridContrast(0.23, 0.05).is_grid(2, crossings=0.59)
    assert not GridContrast(0.23, 0.05).is_grid(3, crossings=0.45)
    assert not GridContrast(0.23, 0.07).is_grid(3, crossings=0.59)
    assert not GridContrast(0.10, 0.00).is_grid(4, crossings=1.0)


_FRAME = (640, 480)
_LENS = LensDistortion.none_for(*_FRAME)
_BOARD = np.array([[100.0, 80.0], [500.0, 90.0], [520.0, 430.0], [90.0, 420.0]])
"""A 640x480 frame's board seen a little tilted, in view."""
_CLEAR = GridContrast(seen=0.9, between=0.0)
"""Lines on the lattice and none between."""


def _obs(corners: np.ndarray, size: int) -> GridObservation:
    """A fit with every crossing measured on its lattice."""
    lattice = lattice_from_corners(corners, size, _LENS)
    points = lattice.intersections()
    return GridObservation(lattice, np.arange(size), np.arange(size), points, np.zeros((size, size)), 0.0,
                           (np.ones(size), np.ones(size)), [])


def test_same_board_ignores_corner_order_but_not_size_or_shift() -> None:
    a = _obs(_BOARD, 19)
    assert same_board(a, _obs(_BOARD[[2, 3, 0, 1]], 19))
    assert same_board(a, _obs(_BOARD[::-1], 19))
    assert not same_board(a, _obs(_BOARD, 13))
    spacing = 400.0 / 18
    assert not same_board(a, _obs(_BOARD + [spacing, 0.0], 19))
    assert same_board(a, _obs(_BOARD + [0.2 * spacing, 0.0], 19))


def test_a_bigger_board_extends_a_part_of_its_own_grid_only() -> None:
    whole = _obs(_BOARD, 19)
    # Its lower right 9x9 part, taken from the whole lattice's points (10, 10) to (18, 18).
    part = whole.lattice.map(np.array([[10.0, 10.0], [18.0, 10.0], [18.0, 18.0], [10.0, 18.0]]))
    assert extends(whole, _obs(part, 9))
    assert extends(whole, _obs(part[[2, 3, 0, 1]], 9))
    assert not extends(_obs(part, 9), whole)
    assert not extends(whole, whole)
    # Half a spacing off the whole grid's lines, or reaching beyond its edge: another board.
    half = whole.lattice.map(np.array([[9.5, 9.5], [17.5, 9.5], [17.5, 17.5], [9.5, 17.5]]))
    assert not extends(whole, _obs(half, 9))
    beyond = whole.lattice.map(np.array([[12.0, 12.0], [20.0, 12.0], [20.0, 20.0], [12.0, 20.0]]))
    assert not extends(whole, _obs(beyond, 9))


def test_an_outline_more_skewed_than_a_board_in_view_is_no_board() -> None:
    # The sliver: a 9x9 fit refined from heatmap peaks on render 44,000,016 (its sides 17 to 282 px),
    # which measured 43% of its crossings where its squeezed lines met the board's.
    sliver = np.array([[132.0, 216.0], [405.0, 286.0], [412.0, 302.0], [228.0, 396.0]])
    assert _rejection(_obs(_BOARD, 9), _CLEAR, corners_seen=4) is None
    assert "skewed" in _rejection(_obs(sliver, 9), _CLEAR, corners_seen=4)


def test_a_grid_with_a_corner_beyond_the_frame_is_no_board_in_view() -> None:
    # The planks: the 13x13 lattice the search fitted to table planks beside a crowded 19x19 on
    # render 48,000,139, two of its corners beyond the 640x480 frame.
    planks = np.array([[165.4, 180.2], [574.2, -10.8], [694.6, 182.0], [265.2, 397.7]])
    _accept(_obs(_BOARD, 13), _LENS, _FRAME, _CLEAR, corners_seen=4)
    with pytest.raises(NoBoardError, match="outside the image"):
        _accept(_obs(planks, 13), _LENS, _FRAME, _CLEAR, corners_seen=4)
    # Its spacing is about 31 px: a corner 10 px beyond the frame is in view, 30 px beyond is not.
    assert in_frame(_obs(_BOARD, 13).lattice, _LENS, _FRAME)
    assert in_frame(_obs(_BOARD + [130.0, 0.0], 13).lattice, _LENS, _FRAME)
    assert not in_frame(_obs(_BOARD + [150.0, 0.0], 13).lattice, _LENS, _FRAME)


def test_a_fit_cache_computes_each_measure_of_a_fit_once() -> None:
    # The line search's fit is placed among the heatmap's fits and again as their winner.
    a, b = _obs(_BOARD, 9), _obs(_BOARD, 9)
    evidence = object()  # identity is all the cache keys on
    cache = FitCache()
    computed: list[str] = []

    def compute(name: str) -> Callable[[], str]:
        def run() -> str:
            computed.append(name)
            return name
        return run

    assert cache.get("placed", evidence, a, _LENS, compute("a")) == "a"
    assert cache.get("placed", evidence, a, _LENS, compute("again")) == "a"
    assert cache.get("placed", evidence, b, _LENS, compute("b")) == "b"
    assert cache.get("other", evidence, a, _LENS, compute("other")) == "other"
    assert computed == ["a", "b", "other"]


# --- the shipped model on rendered frames --------------------------------------------

FRAME_SEEDS = range(62_000_000, 62_000_024)
"""Rendered frames from a seed range that neither the corner finder's training (60,000,000+),
its validation (61,000,000+) nor the reported reading set (30,000,000+) uses."""


def _render(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(BGR frame, true outer grid corners, board size), drawn as the training data and
    `tools/make_rendered_set.py` draw them."""
    from edge.synth import render_random_board

    rendered = render_random_board(seed)
    return rendered.image, np.asarray(rendered.corners, np.float64), rendered.position.size


@pytest.fixture(scope="module")
def frames() -> list[tuple[np.ndarray, np.ndarray, int]]:
    return [_render(seed) for seed in FRAME_SEEDS]


@pytest.fixture(scope="module")
def corner_model():
    from calibration.corner_model import CornerModel

    return CornerModel.load()


def _corner_error(found: np.ndarray, truth: np.ndarray, size: int) -> float:
    """Worst corner's distance to the nearest found one, in grid spacings."""
    spacing = float(np.mean(np.linalg.norm(truth - np.roll(truth, -1, axis=0), axis=1))) / (size - 1)
    return float(np.linalg.norm(truth[:, None] - found[None], axis=-1).min(axis=1).max()) / spacing


def test_shipped_model_outlines_the_board(frames, corner_model) -> None:
    worst = []
    for image, truth, size in frames:
        points, _ = corner_model.heatmap(image).peaks()
        worst.append(_corner_error(points, truth, size) if len(points) == 4 else np.inf)
    worst = np.array(worst)
    # What the shipped model achieves on these frames (median 0.35 spacings, 20 of 24 within 1,
    # 21 within 2): mostly the board to within a spacing, enough to tell the extent that the
    # grid fit then measures; on the rest a peak lies elsewhere (a bowl, a hand).
    assert np.median(worst) < 1.0, np.round(worst, 2)
    assert np.mean(worst < 2.0) >= 0.7, np.round(worst, 2)


GAINED = (("board_0017", 19), ("board_0076", 19), ("board_0175", 19), ("board_0073", 13), ("board_0184", 9))
"""Renders of the tuning set (`tools/make_rendered_set.py --seed-base 32000000`) where the line
search alone finds a 9x9 part of the grid, a 13x13 part, or no board."""


FEW_CROSSINGS = ((32_000_077, 13), (32_000_086, 13))
"""Tuning-set renders whose board is blurred or crowded: the heatmap sees the corners and the
lines lie clearly on the lattice, but fewer than 35% of the crossings can be measured."""
HIDDEN_LINES = ((44_000_101, 13),)
"""A render of a set looked at while tuning: a crowded 13x13 board under a hand, whose lines
show on a quarter of their length (a sixth of that between) and a third of whose crossings can
be measured; a 9x9 part of it, every crossing measured, was read instead."""
HAND_OVER_MOST = ((30_000_371, 9),)
"""A render of the reported set: a 9x9 board under a hand, whose lines show on under a quarter
of the grid (a fifth of that between), yet 59% of whose crossings are measured; the heatmap
sees three of its corners, and reaches 0.23 at the fourth, under the 0.3 a seen corner needs."""
PART_OF_THE_GRID = ((41_000_057, 13),)
"""A render where the line search's 9x9 lattice looks clearly right on its own (a 9x9 part of
the 13x13 grid, every crossing measured) and the heatmap sees the 13x13 board's corners."""
SAME_OUTLINE = ((43_000_098, 13), (41_000_015, 13), (44_000_299, 13), (44_000_230, 19))
"""Renders where a wrong fit has the heatmap behind it as well: a 9x9 lattice over the 13x13
board's outline (every crossing "measured", lines between its own), and a 13x13 lattice pulled
a line off by a heatmap peak beside the board (a quarter of its crossings measured). On the
third, a crowded board, the 9x9 lattice over the outline shows the same share of its lines as
the 13x13 one (32%), and fewer lines. On the fourth, a 9x9 lattice over a far 19x19 board's
outline has its corners where the whole board's are, and a line near each of its crossings."""

GRID_GOES_ON = ((48_000_245, 19),)
"""A render of a set looked at while tuning: an empty 19x19 board with a hand over its middle. The
line search measures 89% of the crossings of a 9x9 part of its grid; the whole grid, whose lines go on
past that part's edges, is measured at 63% of its crossings and has the heatmap behind it, short
of the margin a board elsewhere needs."""

WINNER_A_LINE_OFF = ((32_000_109, 13), (43_000_264, 13))
"""Renders of the tuning set and of a set looked at while tuning where the fit best borne out
lay a line off (its last row or column beyond the board) until it was moved where the heatmap
rates its corners highest."""


HALF_A_SPACING_OFF = ((32_000_029, 19), (32_000_171, 13), (43_000_070, 19))
"""Renders of the tuning set and of a set looked at while tuning (blurred, noisy or crowded
boards) where the heatmap's corners are a third of a spacing or more off and no board was
found (32,000,171: one a spacing off) until the lattice started from them was aligned as a
whole (`calibration.align`)."""


OUTRANKED = ((44_000_061, 9), (44_000_117, 19))
"""Renders of a set used while tuning (`--seed-base 44000000`) where a peak off the board
outranks one of its corners, whose own peak is the fifth strongest."""


WEAK_PEAKS = ((32_000_000, 9),)
"""A tuning-set render whose fourth strongest peak (0.28) is under the level at which the
heatmap counts a corner as seen; before that peak was tried, the board was read 1.5 spacings off."""


ONE_FAMILY_BLURRED = ((32_000_016, 19), (32_000_034, 19), (32_000_055, 13))
"""Tuning-set renders with motion blur across one family of grid lines, which then shows on
almost none of its length at the working scale while the other shows on nearly all; no board
was found, or a 13x13 part of the 19x19 grid."""


EXTENT_FROM_HEAT = ((43_000_195, 13), (44_000_099, 13), (44_000_250, 13))
"""Renders of sets looked at while tuning where the line search finds a 9x9 part of the 13x13
grid and one heatmap peak lies 4 to 6 spacings from its corner, beside the board: the four
peaks outline no board."""


A_LINE_OFF = ((45_000_281, 19),)
"""A render of a set looked at while tuning where the line search's 19x19 board lies a line off
(a crowded edge row missed, a row beyond the board taken), on a board far enough that its
corners still lie within a heatmap cell of the true ones."""


def _stored(frame: np.ndarray) -> np.ndarray:
    """A render as the rendered sets store it."""
    return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])[1], cv2.IMREAD_COLOR)


def _searched(frame: np.ndarray) -> Attempt:
    """The line search's attempt on a render stored as the sets store it."""
    from calibration.evidence import line_evidence

    return best_search(line_evidence(_stored(frame)), LensDistortion.none_for(frame.shape[1], frame.shape[0]), (9, 13, 19))


def _found(seed: int, size: int, corner_model) -> float:
    """Corner error in spacings of the board found in the render of `seed`, stored as the set stores it."""
    from calibration.find import find_board

    frame, truth, drawn = _render(seed)
    assert drawn == size
    fit = find_board(_stored(frame), corner_model=corner_model)
    assert fit.size == size
    return _corner_error(fit.corners, truth, size)


@pytest.mark.parametrize(
    "seed,size", FEW_CROSSINGS + HIDDEN_LINES + HAND_OVER_MOST + PART_OF_THE_GRID + SAME_OUTLINE + GRID_GOES_ON + WINNER_A_LINE_OFF)
def test_the_fit_best_borne_out_wins(seed: int, size: int, corner_model) -> None:
    assert _found(seed, size, corner_model) < 0.3


@pytest.mark.parametrize("name,size", GAINED)
def test_corner_model_puts_right_what_the_line_search_gets_wrong(name: str, size: int, corner_model) -> None:
    from calibration.find import find_board

    frame, truth, drawn = _render(32_000_000 + int(name.split("_")[1]))
    assert drawn == size
    image = _stored(frame)
    try:
        alone = find_board(image)
        assert alone.size != size or _corner_error(alone.corners, truth, size) > 0.3
    except NoBoardError:
        pass
    fit = find_board(image, corner_model=corner_model)
    assert fit.size == size
    assert _corner_error(fit.corners, truth, size) < 0.3


@pytest.mark.parametrize(
    "seed,size,heat_off",
    [(seed, size, 0.3) for seed, size in HALF_A_SPACING_OFF] + [(seed, size, 1.0) for seed, size in OUTRANKED],
)
def test_boards_whose_heatmap_corners_are_off_are_found(seed: int, size: int, heat_off: float, corner_model) -> None:
    # The lattice from corners a fraction of a spacing off is aligned onto the grid; a corner
    # wholly elsewhere (a peak beside the board) is tried with a weaker peak in its place.
    frame, truth, _ = _render(seed)
    points, _ = corner_model.heatmap(frame).peaks()
    assert _corner_error(points, truth, size) > heat_off
    assert _found(seed, size, corner_model) < 0.3


@pytest.mark.parametrize("seed,size", EXTENT_FROM_HEAT)
def test_the_search_lattice_is_extended_to_where_the_heatmap_rates_the_corners_highest(
    seed: int, size: int, corner_model
) -> None:
    frame, truth, _ = _render(seed)
    assert _searched(frame).obs.lattice.size < size
    points, _ = corner_model.heatmap(frame).peaks()
    assert _corner_error(points, truth, size) > 4.0
    assert _found(seed, size, corner_model) < 0.3


@pytest.mark.parametrize("seed,size", A_LINE_OFF)
def test_a_board_a_line_off_is_told_apart_from_the_one_whose_corners_the_heatmap_sees(
    seed: int, size: int, corner_model
) -> None:
    from calibration.guided import sees_corners

    frame, truth, _ = _render(seed)
    attempt = _searched(frame)
    assert attempt.obs.lattice.size == size
    assert 0.7 < _corner_error(attempt.lens.distort_points(attempt.obs.lattice.corners()), truth, size) < 1.5
    # Read within a cell, the heatmap sees that board's corners too.
    assert sees_corners(attempt.obs, attempt.lens, corner_model.heatmap(_stored(frame)))
    assert _found(seed, size, corner_model) < 0.3


@pytest.mark.parametrize("seed,size", WEAK_PEAKS)
def test_weak_peaks_are_tried_as_corners(seed: int, size: int, corner_model) -> None:
    from calibration.guided import SEEN_LEVEL

    frame, _, _ = _render(seed)
    _, levels = corner_model.heatmap(frame).peaks()
    assert levels[3] < SEEN_LEVEL
    assert _found(seed, size, corner_model) < 0.3


@pytest.mark.parametrize("seed,size", ONE_FAMILY_BLURRED)
def test_a_family_of_lines_blurred_wide_is_measured_at_twice_the_scale(seed: int, size: int, corner_model) -> None:
    from calibration.corners import order_corners
    from calibration.evidence import line_evidence
    from calibration.grid import coverage

    frame, truth, _ = _render(seed)
    lens = LensDistortion.none_for(frame.shape[1], frame.shape[0])
    lattice = lattice_from_corners(order_corners(truth), size, lens)
    ev = line_evidence(frame)
    lines = np.arange(size, dtype=np.float64)
    fine = sorted(float(coverage(ev, lattice, lens, lines, axis, (0.0, size - 1.0)).mean()) for axis in (0, 1))
    assert fine[0] < 0.05 and fine[1] > 0.4, fine
    assert _found(seed, size, corner_model) < 0.3
