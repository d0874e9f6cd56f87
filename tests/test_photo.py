"""One photo read whole (`edge.photo`): boards whose lines the search cannot place, read by their stones.

Renders from the tuning sets (`tools/make_rendered_set.py --seed-base 32000000` to
`45000000`) and one of the reported set, stored as the sets store them, and one Imago photo;
the real LiteRT detector and corner model.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from calibration.corner_model import CornerModel
from calibration.find import find_board
from calibration.store import Calibration
from edge.board.stone_fit import stone_fit
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.errors import NoBoardError
from edge.photo import read_photo
from edge.reading import BoardReader
from edge.synth import render_random_board

IMAGO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"


@pytest.fixture(scope="module")
def reader() -> BoardReader:
    return BoardReader(StoneDetector.load(DEFAULT_MODEL, delegate="cpu", threads=1, score_threshold=0.05))


@pytest.fixture(scope="module")
def corner_model() -> CornerModel:
    return CornerModel.load()


def _stored(seed: int):
    rendered = render_random_board(seed)
    image = cv2.imdecode(cv2.imencode(".jpg", rendered.image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1], cv2.IMREAD_COLOR)
    return rendered, image


def _wrong_points(position, rendered) -> int:
    hidden = {stone.point for stone in rendered.stones if not stone.shown}
    size = rendered.position.size
    return sum(position[(r, c)] != rendered.position[(r, c)]
               for r in range(size) for c in range(size) if (r, c) not in hidden)


@pytest.mark.parametrize("seed", [
    44_000_192,  # the lines in view do not form a plane grid
    44_000_241,  # wood grain: lines between the grid's as clear as its own
    43_000_004,  # motion blur: no two families of straight lines
    43_000_273,  # a weaker peak is the fourth corner; outlined 0.85 spacings off, then moved onto the lines
    45_000_065,  # a 13x13 board whose fourth corner peaks at 0.16 only
    45_000_017,  # no peak within 3.8 spacings of one corner: placed on the lattice its stones span
])
def test_a_board_whose_lines_hide_is_read_by_its_outline_and_stones(seed: int, reader, corner_model) -> None:
    rendered, image = _stored(seed)
    with pytest.raises(NoBoardError):
        find_board(image, corner_model=corner_model)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert calibration.method == "stones"
    assert calibration.board_size == rendered.position.size
    assert _wrong_points(result.reading.position, rendered) <= 1


def test_a_board_under_a_forearm_is_read_inside_its_wood(reader, corner_model) -> None:
    # Board 247 of the reported set: a forearm across a 9x9 hides its lines and three of its
    # corners, and the 19 stones in view are fewer than an outline of the corner model's needs.
    # Around the arm the wood shows; inside it the stones choose the size and the margins.
    rendered, image = _stored(30_000_247)
    with pytest.raises(NoBoardError):
        find_board(image, corner_model=corner_model)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert (calibration.method, calibration.board_size) == ("stones", rendered.position.size)
    assert _wrong_points(result.reading.position, rendered) <= 1


def test_a_part_of_a_crowded_board_its_wood_outline_gives_is_not_read(reader, corner_model) -> None:
    # Board 138 of `--seed-base 48000000`: an arm across a crowded 19x19. An outline of its wood,
    # cut short where the arm crosses it, settles on a 13x13 part of the grid whose stones sit on
    # its points (94 of 111); the wood reaches 3 to 6 of its spacings past it. No board is better
    # than a wrong one.
    _, image = _stored(48_000_138)
    with pytest.raises(NoBoardError):
        read_photo(image, reader, None, corner_model, "render")


def test_a_sliver_between_heatmap_peaks_is_no_board(reader, corner_model) -> None:
    # Render 44,000,016: a crowded 9x9 whose lines the search measures at 19% of their crossings.
    # A lattice refined from four heatmap peaks, two of them 17 px apart, measured 43% where its
    # squeezed lines met the board's and was read, 7 spacings off; the stones place the board.
    rendered, image = _stored(44_000_016)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert (calibration.method, calibration.board_size) == ("stones", rendered.position.size)
    assert _wrong_points(result.reading.position, rendered) <= 1


def test_a_grid_on_table_planks_running_past_the_frame_is_no_board(reader, corner_model) -> None:
    # Render 48,000,139: a crowded 19x19 on a planked table. The search fitted a 13x13 lattice to
    # the planks, two of its corners beyond the frame, and the read kept it, all 361 points wrong.
    # Now the lines find no board, and the stones place it.
    rendered, image = _stored(48_000_139)
    with pytest.raises(NoBoardError, match="outside the image"):
        find_board(image, corner_model=corner_model)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert (calibration.method, calibration.board_size) == ("stones", rendered.position.size)
    assert _wrong_points(result.reading.position, rendered) == 0


def test_an_outline_the_stones_place_a_line_off_is_moved_back(reader, corner_model) -> None:
    # The search reads a 9x9 lattice with few stones on its points. Moved through the stones near
    # its points only (session 15), the outline settled a line off diagonally, 231 of 249 stones
    # on points; on the lattice the stones span it does not.
    rendered, image = _stored(44_000_167)
    assert find_board(image, corner_model=corner_model).size != rendered.position.size
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert (calibration.method, calibration.board_size) == ("stones", rendered.position.size)
    assert _wrong_points(result.reading.position, rendered) <= 1


def test_a_part_of_the_board_gives_way_to_the_outline_though_its_stones_sit_on_its_points(
        reader, corner_model) -> None:
    # From the set held out in sessions 14 and 15 (`--seed-base 47000000`), added once it was
    # measured: no board of the tuning sets shows this.
    rendered, image = _stored(47_000_262)
    assert find_board(image, corner_model=corner_model).size < rendered.position.size
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert (calibration.method, calibration.board_size) == ("stones", rendered.position.size)
    assert _wrong_points(result.reading.position, rendered) == 0


@pytest.mark.parametrize("seed, wrong_before, wrong_after", [
    # The search's board is a line off at two corners: 217 of 226 stones on its points, 195 points
    # read wrong. On the lattice the stones span all 227 are, and the corner model sees it as well.
    (43_000_269, 100, 0),
    # Board 69 of the reported set: the search's 13x13 is 1.6 spacings off at a corner, 19 points
    # wrong. A hand parts the stones; the largest group of neighbours is 16, fewer than MIN_STONES,
    # yet it starts a lattice all but one of the 24 sit on. Read there, the moved board leaves out
    # six stones that sat off the found one's points: 17 of 17 on points against 18 of 24.
    (30_000_069, 10, 2),
])
def test_a_board_its_lines_place_off_is_moved_onto_its_stones_lattice(
        seed: int, wrong_before: int, wrong_after: int, reader, corner_model) -> None:
    rendered, image = _stored(seed)
    found = Calibration.from_fit(find_board(image, corner_model=corner_model), "render")
    assert _wrong_points(reader.read(image, found, found.board_size).reading.position, rendered) > wrong_before
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert calibration.method == "stones"
    assert _wrong_points(result.reading.position, rendered) <= wrong_after


def test_another_board_the_lines_bear_out_is_read_where_the_stones_sit_on_its_points(reader, corner_model) -> None:
    # Board 293 of the reported set: a hand covers two corners of a 9x9, and the corner model
    # peaks on a wrong lattice's corners, 6.4 spacings off; 3 of its 14 stones sit on points. The
    # true board is among the fits the lines bear out, ranked lower: all 14 on its points.
    rendered, image = _stored(30_000_293)
    fit = find_board(image, corner_model=corner_model)
    found = Calibration.from_fit(fit, "render")
    read = reader.read(image, found, found.board_size)
    found_fit = stone_fit(read.detections, read.reading, reader.geometry)
    assert found_fit.stones >= 10 and found_fit.share < 0.5 and fit.others
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert calibration.method == "auto" and calibration.board_size == 9
    assert _wrong_points(result.reading.position, rendered) == 0


def test_a_board_its_lines_place_stays_where_stones_beside_it_line_up_a_line_beyond(reader, corner_model) -> None:
    # Loose stones beside this 13x13 board lie on its lattice a line past the edge: moved there,
    # 67 of 73 stones sit on points against 65 of 72, and 55 points read wrong. The corner model
    # sees the moved corners far worse (summed level 1.27 against 2.75), so the board stays.
    rendered, image = _stored(32_000_068)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert calibration.method == "auto"
    assert _wrong_points(result.reading.position, rendered) == 0


def test_a_real_board_its_lines_place_keeps_them_where_its_stones_would_move_it_a_little(
        reader, corner_model) -> None:
    # Imago t2_101: on its stones' lattice 90 of 95 stones sit on points against 89, the board
    # 0.11 spacings off where its lines put it. Within half a spacing the lines place it better.
    image = cv2.imread(str(IMAGO / "t2" / "t2_101.jpg"))
    calibration, _ = read_photo(image, reader, None, corner_model, "imago")
    assert calibration.method == "auto"


def test_a_board_its_lines_place_is_kept(reader, corner_model) -> None:
    rendered, image = _stored(44_000_000)
    calibration, result = read_photo(image, reader, None, corner_model, "render")
    assert calibration.method == "auto"
    assert _wrong_points(result.reading.position, rendered) == 0


def test_without_the_corner_model_no_board_is_still_no_board(reader) -> None:
    _, image = _stored(44_000_192)
    with pytest.raises(NoBoardError):
        read_photo(image, reader, None, None, "render")


def test_stones_sit_on_the_lattice_of_the_boards_own_size_only(reader) -> None:
    rendered, image = _stored(44_000_192)
    width, height = image.shape[1], image.shape[0]
    fits = {}
    for size in (9, 13, 19):
        calibration = Calibration.from_corners(np.asarray(rendered.corners), size, (width, height), "render")
        result = reader.read(image, calibration, size)
        fits[size] = stone_fit(result.detections, result.reading, reader.geometry)
    assert fits[19].stones >= 100 and fits[19].share > 0.9
    assert fits[9].share < 0.3 and fits[13].share < 0.3
