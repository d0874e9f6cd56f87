"""Board metrics on hand-made diagrams, symmetry handling, and board-set labels
(.txt rows and SGF final positions) including the real Imago suite."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge.board.position import Position
from edge.errors import BadInputError
from edge.evaluation.board_format import read_board_txt, read_sgf_position
from edge.evaluation.board_metrics import board_metrics, compare_board, corner_error
from edge.evaluation.datasets import detect_format, load_dataset
from edge.evaluation.gallery import _reading_point, grid_to_image
from edge.rectify.geometry import RectifiedGeometry
from evaluation_board_data import (
    CAPTURE_SGF,
    CAPTURE_SGF_FINAL,
    EMPTY_13,
    OPENING_9,
    OPENING_9_COLOURS_SWAPPED,
    OPENING_9_TWO_WRONG,
    position,
)

IMAGO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"
IMG = Path("board.jpg")


def test_exact_reading_is_correct() -> None:
    r = compare_board(IMG, position(OPENING_9), position(OPENING_9), fixed_orientation=False)
    assert r.correct and r.errors == () and r.symmetry == 0


def test_wrong_points_are_listed_with_expected_and_got() -> None:
    r = compare_board(IMG, position(OPENING_9), position(OPENING_9_TWO_WRONG), fixed_orientation=True)
    assert not r.correct
    listed = sorted((e.label(9), e.expected, e.got) for e in r.errors)
    assert listed == [("A1", None, "b"), ("G7", "w", None)]


def test_rotated_and_mirrored_readings_match_up_to_symmetry() -> None:
    expected = position(OPENING_9)
    for k, turned in enumerate(expected.symmetries()):
        r = compare_board(IMG, expected, turned, fixed_orientation=False)
        assert r.correct, k
        assert r.got == expected
    # Each turned reading is undone by exactly one symmetry, so the chosen one is unique.
    assert len(set(expected.symmetries())) == 8


def test_fixed_orientation_counts_a_rotated_reading_wrong() -> None:
    expected = position(OPENING_9)
    rotated = expected.symmetries()[1]
    r = compare_board(IMG, expected, rotated, fixed_orientation=True)
    assert not r.correct and r.symmetry == 0
    assert len(r.errors) == len(set(expected.stones) ^ set(rotated.stones)) + sum(
        1 for p in set(expected.stones) & set(rotated.stones) if expected[p] != rotated[p]
    )


# A 9x9 standing on a corner: (100, 300) is nearer the image's top-left than (300.5, 100) by 0.5 px.
DIAMOND = np.array([[100.0, 300.0], [300.5, 100.0], [500.0, 300.0], [300.0, 500.0]])


def test_fixed_orientation_accepts_the_other_start_of_a_corner_tie() -> None:
    expected = position(OPENING_9)
    # Started one corner on, clockwise: the label turned a quarter anticlockwise.
    started_on = expected.symmetries()[3]
    found = DIAMOND[[1, 2, 3, 0]] + [0.6, 0.0]
    r = compare_board(IMG, expected, started_on, fixed_orientation=True, true_corners=DIAMOND, found_corners=found)
    assert r.correct and r.symmetry == 1
    # Found corners exact: the reading could have told the two apart, so the turn counts wrong.
    exact = compare_board(IMG, expected, started_on, fixed_orientation=True, true_corners=DIAMOND,
                          found_corners=DIAMOND[[1, 2, 3, 0]])
    assert not exact.correct and exact.symmetry == 0
    # A board found lines off is compared as read, whatever the tie.
    off = compare_board(IMG, expected, started_on, fixed_orientation=True, true_corners=DIAMOND,
                        found_corners=found + [40.0, 0.0])
    assert not off.correct and off.symmetry == 0


def test_best_symmetry_is_picked_for_an_imperfect_reading() -> None:
    expected = position(OPENING_9)
    reading = position(OPENING_9_TWO_WRONG).symmetries()[6]
    r = compare_board(IMG, expected, reading, fixed_orientation=False)
    assert len(r.errors) == 2
    assert reading.symmetries()[r.symmetry] == position(OPENING_9_TWO_WRONG)


def test_metrics_accuracy_confusion_and_failures() -> None:
    exp = position(OPENING_9)
    results = [
        compare_board(Path("a.jpg"), exp, exp, fixed_orientation=True),
        compare_board(Path("b.jpg"), exp, position(OPENING_9_TWO_WRONG), fixed_orientation=True),
        compare_board(Path("c.jpg"), exp, position(OPENING_9_COLOURS_SWAPPED), fixed_orientation=True),
        compare_board(Path("d.jpg"), exp, None, fixed_orientation=True, failure="no board found"),
        compare_board(Path("e.jpg"), exp, position(EMPTY_13), fixed_orientation=True),
    ]
    m = board_metrics(results, fixed_orientation=True)
    assert m.images == 5 and m.boards_read == 3 and m.exact_matches == 1
    assert m.exact_match_rate == pytest.approx(0.2)
    # 5 boards of 81 points; the two failures count all 81 wrong, b 2 and c 2.
    assert m.intersections == 405
    assert m.correct_intersections == 81 + 79 + 79
    assert m.intersection_accuracy == pytest.approx(239 / 405)
    assert "13x13" in results[4].failure
    assert np.sum(m.confusion) == 3 * 81  # the three boards read


def test_confusion_matrix_exact_counts() -> None:
    exp = position(OPENING_9)
    results = [
        compare_board(Path("b.jpg"), exp, position(OPENING_9_TWO_WRONG), fixed_orientation=True),
        compare_board(Path("c.jpg"), exp, position(OPENING_9_COLOURS_SWAPPED), fixed_orientation=True),
    ]
    m = board_metrics(results, fixed_orientation=True)
    # Expected per board: 74 empty, 4 black, 3 white.
    # b: A1 empty->black, G7 white->empty.  c: C7 black->white, C3 white->black.
    assert m.confusion == ((147, 1, 0), (0, 7, 1), (1, 1, 4))


def test_wrong_point_is_placed_in_the_reading_orientation() -> None:
    expected = position(OPENING_9)
    wrong = dict(expected.stones)
    wrong[(8, 0)] = "b"  # an extra stone at A1 in the label's orientation
    for k in range(8):
        reading = Position(9, wrong).symmetries()[k]
        r = compare_board(IMG, expected, reading, fixed_orientation=False)
        (error,) = r.errors
        in_reading = _reading_point((error.row, error.col), r.symmetry, 9)
        assert reading[in_reading] == "b" and expected.symmetries()[k][in_reading] is None


def test_hidden_points_are_left_out_of_every_count(tmp_path: Path) -> None:
    # G7's white stone is under a hand in the photo: the label says "?" there.
    label = tmp_path / "hand.txt"
    lines = OPENING_9.strip().splitlines()
    lines[2] = ". . B . . . ? . ."
    label.write_text("\n".join(lines))
    expected, hidden = read_board_txt(label)
    assert hidden == {(2, 6)} and (2, 6) not in expected.stones
    # The reading that misses G7 is right where it can be; its extra A1 stays wrong.
    r = compare_board(IMG, expected, position(OPENING_9_TWO_WRONG), fixed_orientation=True, hidden=hidden)
    assert [e.label(9) for e in r.errors] == ["A1"]
    failed = compare_board(Path("x.jpg"), expected, None, fixed_orientation=True, failure="no board", hidden=hidden)
    assert failed.wrong_points == 80
    m = board_metrics([r, failed], fixed_orientation=True)
    assert m.hidden_points == 2 and m.intersections == 160 and m.correct_intersections == 79
    assert np.sum(m.confusion) == 80


def test_grid_points_map_back_to_the_image_corners() -> None:
    corners = np.array([[100.0, 80.0], [500.0, 90.0], [520.0, 430.0], [90.0, 420.0]])
    xy = grid_to_image([(0, 0), (0, 18), (18, 18), (18, 0)], 19, corners, RectifiedGeometry())
    assert np.allclose(xy, corners, atol=1e-3)


def test_board_txt_errors_name_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "ok.txt"
    good.write_text(OPENING_9)
    assert read_board_txt(good) == (position(OPENING_9), frozenset())
    short = tmp_path / "short.txt"
    lines = OPENING_9.strip().splitlines()
    lines[4] = ". . . . B . . ."
    short.write_text("\n".join(lines))
    with pytest.raises(BadInputError, match=r"short\.txt line 5: row has 8 points, expected 9"):
        read_board_txt(short)
    token = tmp_path / "token.txt"
    lines = OPENING_9.strip().splitlines()
    lines[2] = ". . B . . . X . ."
    token.write_text("\n".join(lines))
    with pytest.raises(BadInputError, match=r"token\.txt line 3 point 7: unknown token 'X'"):
        read_board_txt(token)
    missing_row = tmp_path / "rows.txt"
    missing_row.write_text("\n".join(OPENING_9.strip().splitlines()[:8]))
    with pytest.raises(BadInputError, match=r"rows\.txt: 8 rows of 9 points"):
        read_board_txt(missing_row)


def test_sgf_label_is_the_final_position_with_captures(tmp_path: Path) -> None:
    path = tmp_path / "game.sgf"
    path.write_bytes(CAPTURE_SGF)
    assert read_sgf_position(path) == position(CAPTURE_SGF_FINAL)


def test_bad_sgf_names_file_and_move(tmp_path: Path) -> None:
    path = tmp_path / "bad.sgf"
    path.write_bytes(b"(;GM[1]FF[4]SZ[9];B[ee];W[ee])")
    with pytest.raises(BadInputError, match=r"bad\.sgf move 2: W plays on the occupied point ee"):
        read_sgf_position(path)
    junk = tmp_path / "junk.sgf"
    junk.write_bytes(b"not an sgf")
    with pytest.raises(BadInputError, match=r"junk\.sgf: not a valid SGF"):
        read_sgf_position(junk)


def test_board_set_with_sgf_and_txt_labels_and_orientation_marker(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "a.txt").write_text(OPENING_9)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub" / "b.sgf").write_bytes(CAPTURE_SGF)
    (tmp_path / "README.txt").write_text("about this set")
    assert detect_format(tmp_path) == "board"
    ds = load_dataset(tmp_path)
    assert [s.image.name for s in ds] == ["a.jpg", "b.png"]
    assert ds.samples[1].position == position(CAPTURE_SGF_FINAL)
    assert not ds.fixed_orientation
    (tmp_path / "fixed-orientation").write_text("")
    assert load_dataset(tmp_path).fixed_orientation


def test_board_set_label_without_image_and_skip_bad(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "a.txt").write_text(OPENING_9)
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "b.txt").write_text(". . .\n. B\n. . .\n")
    (tmp_path / "lost.txt").write_text(OPENING_9)
    with pytest.raises(BadInputError, match=r"b\.txt line 2: row has 2 points, expected 3"):
        load_dataset(tmp_path, "board")
    ds = load_dataset(tmp_path, "board", skip_bad=True)
    assert [s.image.name for s in ds] == ["a.jpg"]
    assert len(ds.problems) == 2
    assert any("lost.txt: no image beside it" in p for p in ds.problems)


SQUARE = np.array([[100.0, 100.0], [420.0, 100.0], [420.0, 420.0], [100.0, 420.0]])  # 9x9: spacing 40 px


def test_corner_error_is_in_spacings_whichever_corner_a_reading_starts_from() -> None:
    assert corner_error(SQUARE[[2, 3, 0, 1]], SQUARE, 9) == pytest.approx(0.0)
    assert corner_error(SQUARE[::-1], SQUARE, 9) == pytest.approx(0.0)
    # A grid fitted one line too far right: every corner a spacing off.
    assert corner_error(SQUARE + [40.0, 0.0], SQUARE, 9) == pytest.approx(1.0)


def test_boards_found_where_they_are_and_the_reading_there() -> None:
    exp = position(OPENING_9)
    results = [
        compare_board(Path("a.jpg"), exp, position(OPENING_9_TWO_WRONG), fixed_orientation=True,
                      true_corners=SQUARE, found_corners=SQUARE + 4.0),
        compare_board(Path("b.jpg"), exp, exp, fixed_orientation=True,
                      true_corners=SQUARE, found_corners=SQUARE + [40.0, 0.0]),
        compare_board(Path("c.jpg"), exp, None, fixed_orientation=True, failure="no board found",
                      true_corners=SQUARE),
        compare_board(Path("d.jpg"), exp, exp, fixed_orientation=True),  # no truth given
    ]
    assert [r.found_where_it_is for r in results] == [True, False, False, False]
    m = board_metrics(results, fixed_orientation=True)
    assert m.corners_checked == 3 and m.found_where_it_is == 1
    assert (m.found_correct_intersections, m.found_intersections) == (79, 81)


def test_board_set_reads_true_corners_beside_the_images(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.jpg").write_bytes(b"\xff\xd8")
        (tmp_path / f"{name}.txt").write_text(OPENING_9)
    (tmp_path / "a.corners.json").write_text(json.dumps(SQUARE.tolist()))
    (tmp_path / "b.corners.json").write_text("[[1, 2], [3, 4]]")
    with pytest.raises(BadInputError, match=r"b\.corners\.json: corners must be 4 \[x, y\] pairs"):
        load_dataset(tmp_path, "board")
    ds = load_dataset(tmp_path, "board", skip_bad=True)
    assert [s.image.name for s in ds] == ["a.jpg"] and np.allclose(ds.samples[0].corners, SQUARE)


@pytest.mark.skipif(not IMAGO.is_dir(), reason="shared Imago data not present")
def test_imago_suite_loads_all_52_samples() -> None:
    ds = load_dataset(IMAGO)
    assert ds.format == "board" and len(ds) == 52 and not ds.problems
    names = {s.image.relative_to(IMAGO).as_posix() for s in ds}
    assert sum(1 for n in names if n.startswith("t2/skip/")) == 15
    assert all(s.position is not None and s.position.size == 19 for s in ds)
    first = next(s for s in ds if s.image.name == "t1_001.jpg")
    assert first.position.is_empty()
    t3 = next(s for s in ds if s.image.name == "t3_000.jpg")
    assert t3.position.count("b") == 5 and t3.position.count("w") == 0
