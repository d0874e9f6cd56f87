"""`goban-edge replay`: recordings through the whole pipeline, offline.

A video: the bundled rendered recording of the Castle game's first 60 moves.
Still photos: the Imago series, one phone or webcam photo per move, read with
`--stills` (each photo found afresh and turned to face the game so far).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sgfmill.sgf_properties import interpret_go_point

from edge.board.position import Point, symmetry_maps
from edge.cli.main import main
from game_data import IMAGO, sgf_replay
from support.tools import load_tool

REPO = Path(__file__).resolve().parents[1]
RECORDING = REPO / "samples" / "castle-game-60-moves.mp4"
TRUTH = REPO / "samples" / "castle-game-60-moves.truth.json"

Move = tuple[str, Point | None]

follow_imago = load_tool("follow_imago")


def same_up_to_symmetry(recorded: list[Move], expected: list[Move], size: int) -> bool:
    """The camera may see the board turned or mirrored: one symmetry must map every move."""
    return any(
        [(c, turn(*p) if p else None) for c, p in recorded] == expected for turn in symmetry_maps(size)
    )


def replay(source: Path, sgf: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    code = main(["replay", str(source), "--sgf", str(sgf), "--json-events", *extra])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return code, lines


def test_bundled_recording_replays_to_the_game(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = json.loads(TRUTH.read_text())
    expected = [(c, _point(v)) for c, v in truth["game"]["moves"]]
    code, events = replay(RECORDING, tmp_path / "castle.sgf", capsys=capsys)
    assert code == 0
    _, recorded, _, _ = sgf_replay((tmp_path / "castle.sgf").read_bytes())
    assert len(recorded) == 60 and same_up_to_symmetry(recorded, expected[:60], 19)
    assert [e["event"] for e in events if e.get("event")].count("move") == 60
    assert not [e for e in events if e.get("event") == "correction"]


def _point(sgf_point: str) -> Point:
    """An SGF point as (row, col) with row 0 at the top, as `sgf_replay` gives them."""
    row, col = interpret_go_point(sgf_point.encode(), 19)
    return 18 - row, col


def test_missing_source_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", str(tmp_path / "nowhere"), "--sgf", str(tmp_path / "x.sgf")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nowhere" in err[0]
    assert not (tmp_path / "x.sgf").exists()


@pytest.mark.parametrize("series, first, last", follow_imago.RUNS)
def test_imago_photo_runs_replay_to_the_implied_moves(series: str, first: int, last: int) -> None:
    """Through tools/follow_imago.py, the same comparison it prints: the photos replayed with
    `--stills` against the moves the expected positions imply, with the same follower settings.
    In t2 0-11 a fingertip is read as a White stone out of turn in t2_008 and gone in t2_009: the
    follower takes it back."""
    exact, recorded, implied, _ = follow_imago.follow_run(IMAGO, series, first, last)
    assert implied and exact, (recorded, implied)
