"""GameRecord / SgfWriter: SGF content read back with sgfmill, and crash-safe writing."""

from __future__ import annotations

import os

import pytest

from edge.board.position import Position
from edge.game import (
    GameConfig,
    GameRecord,
    GameTracker,
    MoveEvent,
    NewGameEvent,
    SgfWriter,
)
from edge.errors import BadInputError
from edge.game.record import TIME_PROPERTY, iso_time, main_line
from game_data import MIDGAME, diagram, sgf_replay, with_stones

T0 = 1_717_000_000.0  # 2024-05-29T16:26:40Z


class Recorder:
    """A tracker and the record of its game, updated after each observation as the Follower does."""

    def __init__(self, config: GameConfig) -> None:
        self.config = config
        self.tracker = GameTracker(config)
        self.record: GameRecord | None = None

    def observe(self, position: Position, timestamp: float) -> None:
        events = self.tracker.observe(position, timestamp)
        starts = [i for i, e in enumerate(events) if isinstance(e, NewGameEvent)]
        if starts:
            first = events[starts[-1]]
            self.record = GameRecord(
                self.config, first.game_id, first.timestamp, first.position, first.handicap,
                *self.tracker.players,
            )
            events = events[starts[-1] + 1:]
        self.record.apply(events, self.tracker.position)

    def replay(self):
        return sgf_replay(self.record.sgf_bytes())


def test_iso_time_is_utc_with_milliseconds():
    assert iso_time(T0 + 0.25) == "2024-05-29T16:26:40.250Z"


def test_round_trip_with_handicap_players_event_and_times():
    config = GameConfig(size=9, komi=0.5, black_player="Kuro", white_player="Shiro", event="Club night")
    rec = Recorder(config)
    rec.observe(Position(9), T0)
    hoshi = {(2, 2): "b", (6, 6): "b", (2, 6): "b"}
    rec.observe(Position(9, hoshi), T0 + 1)
    rec.observe(Position(9, {**hoshi, (4, 5): "w"}), T0 + 2.5)
    rec.observe(Position(9, {**hoshi, (4, 5): "w", (5, 5): "b"}), T0 + 4)
    tracker = rec.tracker
    game, moves, final, _ = rec.replay()
    root = game.get_root()
    assert game.get_size() == 9 and game.get_komi() == 0.5 and game.get_handicap() == 3
    black, white, _ = root.get_setup_stones()
    assert {(8 - r, c) for r, c in black} == set(hoshi) and not white
    assert root.get("PL") == "w"
    assert (game.get_player_name("b"), game.get_player_name("w")) == ("Kuro", "Shiro")
    assert root.get("EV") == "Club night" and root.get("DT") == "2024-05-29"
    assert root.get("GN") == tracker.game_id
    assert moves == [("w", (4, 5)), ("b", (5, 5))]
    assert final == tracker.position
    times = [node.get(TIME_PROPERTY) for node in game.get_main_sequence()[1:]]
    assert times == ["2024-05-29T16:26:42.500Z", "2024-05-29T16:26:44.000Z"]


def test_corrections_become_setup_nodes_with_comments():
    config = GameConfig(size=9, unexplained_wait=0)
    rec = Recorder(config)
    rec.observe(Position(9), T0)
    rec.observe(Position(9, {(2, 2): "b"}), T0 + 1)
    rec.observe(Position(9, {(2, 2): "b", (6, 6): "w"}), T0 + 2)
    nudged = Position(9, {(2, 3): "b", (6, 6): "w"})
    rec.observe(nudged, T0 + 3)
    rec.observe(with_stones(nudged, {(4, 5): "b"}), T0 + 4)
    rec.observe(with_stones(nudged, {(4, 5): "b", (5, 6): "b"}), T0 + 5)  # out of turn
    tracker = rec.tracker
    game, moves, final, comments = rec.replay()
    assert moves == [("b", (2, 2)), ("w", (6, 6)), ("b", (4, 5)), ("b", (5, 6))]
    assert final == tracker.position
    assert comments == [
        "Correction: Black stone moved by hand from C7 to D7",
        "Correction: Black played G4 out of turn (a missed move or a pass?)",
    ]
    setup = game.get_main_sequence()[3]
    assert setup.get_move() == (None, None) and setup.has_setup_stones()


def test_joined_game_records_the_stones_found():
    config = GameConfig(size=9)
    rec = Recorder(config)
    start = diagram(MIDGAME)
    rec.observe(start, T0)
    rec.observe(with_stones(start, {(5, 5): "b"}), T0 + 1)
    game, moves, final, _ = rec.replay()
    assert moves == [("b", (5, 5))] and final == rec.tracker.position
    black, white, _ = game.get_root().get_setup_stones()
    assert len(black) + len(white) == len(start.stones)
    assert not game.get_root().has_property("HA")


def test_undo_removes_the_move_node():
    config = GameConfig(size=9)
    rec = Recorder(config)
    rec.observe(Position(9), T0)
    rec.observe(Position(9, {(2, 2): "b"}), T0 + 1)
    rec.observe(Position(9, {(2, 2): "b", (6, 6): "w"}), T0 + 2)
    rec.observe(Position(9, {(2, 2): "b"}), T0 + 3)
    rec.observe(Position(9, {(2, 2): "b", (5, 5): "w"}), T0 + 4)
    _, moves, _, _ = rec.replay()
    assert moves == [("b", (2, 2)), ("w", (5, 5))]


def test_text_with_brackets_survives():
    config = GameConfig(size=9, black_player="A [x]", white_player="B\\y", event="]")
    record = GameRecord(config, "g", T0, Position(9))
    game, _, _, _ = sgf_replay(record.sgf_bytes())
    assert game.get_player_name("b") == "A [x]" and game.get_player_name("w") == "B\\y"
    assert game.get_root().get("EV") == "]"


def test_writer_is_atomic(tmp_path, monkeypatch):
    writer = SgfWriter(tmp_path / "sgf")
    config = GameConfig(size=9)
    record = GameRecord(config, "game-1", T0, Position(9))
    record.add_move(MoveEvent(1, "b", (2, 2), [], T0 + 1))
    path = writer.write(record)
    assert path == tmp_path / "sgf" / "game-1.sgf"
    first = path.read_bytes()
    record.add_move(MoveEvent(2, "w", (6, 6), [], T0 + 2))

    def fail(src, dst):
        raise OSError("disk went away")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk went away"):
        writer.write(record)
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["game-1.sgf"]
    monkeypatch.undo()
    writer.write(record)
    _, moves, _, _ = sgf_replay(path.read_bytes())
    assert moves == [("b", (2, 2)), ("w", (6, 6))]


def test_main_line_reads_moves_and_passes_top_row_first():
    data = b"(;GM[1]FF[4]SZ[9];B[cb];W[];B[ai])"
    assert main_line(data) == (9, [("b", (1, 2)), ("w", None), ("b", (8, 0))])


def test_main_line_names_an_unreadable_record():
    with pytest.raises(BadInputError, match="not a readable SGF record"):
        main_line(b"this is no game record")
