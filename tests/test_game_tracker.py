"""GameTracker: stable positions -> moves under the rules, corrections, undo, game lifecycle."""

from __future__ import annotations

import pytest
from sgfmill.boards import Board

from edge.board.position import Position
from edge.errors import BadInputError
from edge.game import (
    CorrectionEvent,
    EndGameEvent,
    GameConfig,
    GameTracker,
    MoveEvent,
    NewGameEvent,
    UndoEvent,
)
from edge.game.rules import IllegalMove, Ko, play_legal, star_points
from game_data import (
    ATARI_CAPTURE,
    ATARI_START,
    ATARI_VICTIM,
    BIG_CAPTURE,
    BIG_CAPTURE_START,
    BIG_CAPTURE_VICTIMS,
    KO_RETAKE,
    KO_START,
    KO_TAKE,
    MIDGAME,
    REAL_GAMES,
    diagram,
    load_game,
    positions_after_moves,
    with_stones,
)


def moves_of(events):
    return [(e.color, e.point) for e in events if isinstance(e, MoveEvent)]


def kinds(events):
    return [type(e).__name__ for e in events]


def tracker9(start: Position | None = None) -> GameTracker:
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=0))
    tracker.observe(start if start is not None else Position(9), 0.0)
    return tracker


class Game:
    """Drives a tracker with positions built move by move on a real sgfmill board."""

    def __init__(self, start: Position | None = None) -> None:
        self.tracker = tracker9(start)
        self.board = Board(9)
        for (r, c), color in (start.stones.items() if start else []):
            self.board.board[r][c] = color
        self.t = 0.0

    def seen(self) -> Position:
        return Position(9, {p: c for c, p in self.board.list_occupied_points()})

    def place(self, *moves):
        for color, (r, c) in moves:
            self.board.play(r, c, color)

    def observe(self, position: Position | None = None):
        self.t += 1.0
        return self.tracker.observe(position if position is not None else self.seen(), self.t)

    def play(self, *moves):
        self.place(*moves)
        return self.observe()


@pytest.mark.parametrize("name", REAL_GAMES)
def test_real_game_replayed_position_by_position(name):
    size, moves = load_game(name)
    tracker = GameTracker(GameConfig(size=size, unexplained_wait=0))
    tracker.observe(Position(size), 0.0)
    events = []
    for i, position in enumerate(positions_after_moves(size, moves)):
        events += tracker.observe(position, float(i + 1))
    assert moves_of(events) == moves
    assert not [e for e in events if isinstance(e, CorrectionEvent)]
    captured = sum(len(e.captures) for e in events if isinstance(e, MoveEvent))
    assert tracker.prisoners["b"] + tracker.prisoners["w"] == captured
    assert tracker.position == list(positions_after_moves(size, moves))[-1]


def test_1846_game_prisoners_and_ko_fight():
    size, moves = load_game(REAL_GAMES[0])
    tracker = GameTracker(GameConfig(size=size, unexplained_wait=0))
    tracker.observe(Position(size), 0.0)
    for i, position in enumerate(positions_after_moves(size, moves)):
        tracker.observe(position, float(i + 1))
    assert tracker.prisoners == {"b": 31, "w": 29}  # 60 stones in all
    # Ko: single stones taken on a point where a single stone was taken before.
    taken_before: set = set()
    retakes = 0
    for move in tracker.moves:
        if len(move.captures) == 1:
            retakes += move.point in taken_before
            taken_before.update(move.captures)
    assert retakes >= 10


def test_new_game_starts_on_empty_board_black_to_play():
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=0))
    (event,) = tracker.observe(Position(9), 5.0)
    assert isinstance(event, NewGameEvent)
    assert (event.handicap, event.size, event.to_play) == (0, 9, "b")
    assert tracker.game_id == event.game_id == "19700101-000005"
    assert tracker.to_play == "b" and tracker.move_number == 0


def test_two_stones_at_once_are_ordered_by_alternation():
    game = Game()
    game.play(("b", (2, 2)))
    game.place(("w", (6, 6)), ("b", (2, 6)))
    events = game.observe()
    assert moves_of(events) == [("w", (6, 6)), ("b", (2, 6))]
    assert [e.number for e in events] == [2, 3]
    assert all(e.inferred_order for e in events)
    assert game.tracker.to_play == "w"


def test_order_forced_by_a_capture_then_a_stone_on_the_captured_point():
    game = Game(diagram(ATARI_START))
    game.play(("b", (7, 7)))  # now White to play
    game.place(("w", ATARI_CAPTURE), ("b", (7, 2)), ("w", ATARI_VICTIM))
    events = game.observe()
    assert moves_of(events) == [("w", ATARI_CAPTURE), ("b", (7, 2)), ("w", ATARI_VICTIM)]
    assert events[0].captures == [ATARI_VICTIM]
    assert not [e for e in events if isinstance(e, CorrectionEvent)]
    assert game.tracker.prisoners == {"b": 0, "w": 1}


def test_capture_is_not_a_move_and_counts_as_prisoner():
    game = Game(diagram(ATARI_START))
    events = game.play(("w", ATARI_CAPTURE))
    assert moves_of(events) == [("w", ATARI_CAPTURE)]
    assert events[0].captures == [ATARI_VICTIM]
    assert game.tracker.prisoners == {"b": 0, "w": 1}
    assert game.tracker.position[ATARI_VICTIM] is None


def test_captured_stones_still_on_board_are_pending_not_corrections():
    game = Game(diagram(ATARI_START))
    lagging = with_stones(diagram(ATARI_START), {ATARI_CAPTURE: "w"})  # victim not lifted yet
    events = game.observe(lagging)
    assert moves_of(events) == [("w", ATARI_CAPTURE)] and events[0].captures == [ATARI_VICTIM]
    assert game.observe(lagging) == []
    game.place(("w", ATARI_CAPTURE))
    assert game.observe() == []  # now lifted: nothing new
    assert game.play(("b", (7, 7)))[0].number == 2


def test_big_capture_still_on_the_board_is_a_move_not_a_stone_placed_by_hand():
    start = diagram(BIG_CAPTURE_START)
    game = Game(start)
    lagging = with_stones(start, {BIG_CAPTURE: "b"})  # twelve captured stones not lifted yet
    events = game.observe(lagging)
    assert kinds(events) == ["MoveEvent"] and events[0].captures == BIG_CAPTURE_VICTIMS
    assert game.tracker.explained_removals(with_stones(lagging, remove=BIG_CAPTURE_VICTIMS[:4])) == set(
        BIG_CAPTURE_VICTIMS[:4]
    )  # being lifted: their going is the rules', not a hand's
    lifted = with_stones(lagging, remove=BIG_CAPTURE_VICTIMS)
    assert game.observe(lifted) == [] and game.tracker.position == lifted
    assert game.tracker.prisoners == {"b": 12, "w": 0}


def test_removals_explained_by_the_rules_are_whole_captured_groups():
    start = diagram(BIG_CAPTURE_START)
    tracker = tracker9(start)
    captured = with_stones(start, {BIG_CAPTURE: "b"}, remove=BIG_CAPTURE_VICTIMS)
    assert tracker.explained_removals(captured) == set(BIG_CAPTURE_VICTIMS)
    # Part of the group gone, or no stone on its last liberty: a hand, not a capture.
    assert tracker.explained_removals(with_stones(captured, {(0, 0): "w"})) == set()
    assert tracker.explained_removals(with_stones(start, remove=BIG_CAPTURE_VICTIMS)) == set()
    assert tracker.explained_removals(with_stones(captured, {BIG_CAPTURE: "w"})) == set()


def test_quick_pair_whose_second_stone_captures_the_first():
    game = Game()
    game.play(("b", (4, 4)))
    game.play(("w", (0, 1)))
    # Black's throw-in at the corner and White's capture seen at once, the captured stone still there.
    both = with_stones(game.seen(), {(0, 0): "b", (1, 0): "w"})
    events = game.observe(both)
    assert moves_of(events) == [("b", (0, 0)), ("w", (1, 0))] and kinds(events) == ["MoveEvent"] * 2
    assert events[1].captures == [(0, 0)] and game.tracker.prisoners == {"b": 0, "w": 1}
    assert game.observe(with_stones(both, remove=[(0, 0)])) == []  # lifted
    assert game.tracker.position == with_stones(both, remove=[(0, 0)]) and game.tracker.to_play == "b"


def test_glimpsed_stone_captured_by_the_next_move_is_a_move():
    game = Game()
    game.play(("b", (4, 4)))
    game.play(("w", (0, 1)))
    # Black's throw-in at (0, 0) was taken by White's (1, 0) and lifted before it settled.
    after = with_stones(game.seen(), {(1, 0): "w"})
    game.t += 1.0
    events = game.tracker.observe(after, game.t, {(1, 0): game.t}, {(0, 0): "b"})
    assert moves_of(events) == [("b", (0, 0)), ("w", (1, 0))] and kinds(events) == ["MoveEvent"] * 2
    assert events[1].captures == [(0, 0)] and game.tracker.prisoners == {"b": 0, "w": 1}
    # A glimpse the new stone does not capture stays out of the record (it cost as a stone taken away).
    game = Game()
    game.play(("b", (4, 4)))
    events = game.tracker.observe(with_stones(game.seen(), {(6, 6): "w"}), 5.0, None, {(2, 2): "b"})
    assert moves_of(events) == [("w", (6, 6))] and kinds(events) == ["MoveEvent"]


def test_stones_seen_at_once_are_ordered_by_when_each_was_first_seen():
    # White to play; White's two stones could go in either order around Black's.
    for first, second in [((6, 6), (2, 6)), ((2, 6), (6, 6))]:
        game = Game()
        game.play(("b", (2, 2)))
        three = with_stones(game.seen(), {first: "w", (6, 2): "b", second: "w"})
        game.t += 1.0
        events = game.tracker.observe(three, game.t, {first: 0.2, (6, 2): 0.5, second: 0.5})
        assert moves_of(events) == [("w", first), ("b", (6, 2)), ("w", second)]
        assert not [e for e in events if isinstance(e, CorrectionEvent)]


def test_immediate_ko_retake_is_never_a_move():
    game = Game(diagram(KO_START))
    events = game.play(("b", KO_TAKE))
    assert moves_of(events) == [("b", KO_TAKE)] and events[0].captures == [KO_RETAKE]
    with pytest.raises(IllegalMove, match="ko"):
        play_legal(game.board.copy(), KO_RETAKE, "w", Ko(KO_RETAKE, "w"))
    retaken = with_stones(game.seen(), {KO_RETAKE: "w"}, remove=[KO_TAKE])
    # The board before Black's take: as White may not retake, Black took the move back.
    assert retaken == diagram(KO_START)
    assert kinds(game.observe(retaken)) == ["UndoEvent"]
    # Where take-backs are off, the retake is flagged instead.
    strict = GameTracker(GameConfig(size=9, max_undo=0, unexplained_wait=0))
    strict.observe(diagram(KO_START), 0.0)
    strict.observe(with_stones(diagram(KO_START), {KO_TAKE: "b"}, remove=[KO_RETAKE]), 1.0)
    events = strict.observe(retaken, 2.0)
    assert moves_of(events) == []
    assert {e.kind for e in events if isinstance(e, CorrectionEvent)} == {"added", "removed"}


def test_ko_recapture_after_threat_and_answer_seen_at_once():
    game = Game(diagram(KO_START))
    game.play(("b", KO_TAKE))
    game.place(("w", (7, 7)), ("b", (7, 6)), ("w", KO_RETAKE))
    events = game.observe()
    assert moves_of(events) == [("w", (7, 7)), ("b", (7, 6)), ("w", KO_RETAKE)]
    assert events[-1].captures == [KO_TAKE]
    assert game.tracker.prisoners == {"b": 1, "w": 1}


def test_suicide_is_not_a_move():
    corner = Board(9)
    corner.board[0][1] = "w"
    corner.board[1][0] = "w"
    with pytest.raises(IllegalMove, match="suicide"):
        play_legal(corner, (0, 0), "b", None)
    assert corner.board[0][0] is None and corner.board[0][1] == "w"
    with pytest.raises(IllegalMove, match="occupied"):
        play_legal(corner, (0, 1), "b", None)
    start = Position(9, {(0, 1): "w", (1, 0): "w"})
    tracker = tracker9(start)
    tracker.observe(with_stones(start, {(5, 5): "w"}), 1.0)  # Black to play
    events = tracker.observe(with_stones(start, {(5, 5): "w", (0, 0): "b"}), 2.0)
    assert moves_of(events) == [] and [e.kind for e in events] == ["added"]


def test_stone_moved_by_hand_is_a_correction_and_following_continues():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    nudged = with_stones(game.seen(), {(2, 3): "b"}, remove=[(2, 2)])
    events = game.observe(nudged)
    assert moves_of(events) == []
    (correction,) = events
    assert correction.kind == "moved"
    assert (correction.points_removed, correction.points_added) == ([(2, 2)], [(2, 3)])
    assert "C7" in correction.message and "D7" in correction.message
    assert game.tracker.position == nudged and game.tracker.to_play == "b"
    game.board.board[2][2], game.board.board[2][3] = None, "b"
    events = game.play(("b", (6, 2)))
    assert moves_of(events) == [("b", (6, 2))] and events[0].number == 3


def test_stone_put_back_where_it_was_removed_is_not_a_new_move():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    game.board.board[2][2] = None
    events = game.play(("b", (6, 2)))  # the next move shows the missing stone
    assert moves_of(events) == [("b", (6, 2))]
    assert [e.kind for e in events if isinstance(e, CorrectionEvent)] == ["removed"]
    events = game.play(("w", (2, 6)), ("b", (2, 2)))  # White plays; Black's stone goes back
    assert moves_of(events) == [("w", (2, 6))]
    assert [e.kind for e in events if isinstance(e, CorrectionEvent)] == ["added"]
    assert game.tracker.to_play == "b"


def test_point_of_a_long_gone_stone_is_played_normally():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    game.board.board[2][2] = None
    game.play(("b", (6, 2)))  # and (2, 2) was removed by hand
    for move in [("w", (0, 8)), ("b", (1, 8)), ("w", (0, 6)), ("b", (1, 6)), ("w", (8, 0))]:
        assert moves_of(game.play(move)) == [move]
    events = game.play(("b", (2, 2)))
    assert moves_of(events) == [("b", (2, 2))] and kinds(events) == ["MoveEvent"]


def test_stone_out_of_turn_is_recorded_and_flagged():
    game = Game()
    game.play(("b", (2, 2)))
    events = game.play(("b", (5, 6)))
    assert moves_of(events) == [("b", (5, 6))]
    assert events[1].kind == "out_of_turn" and events[1].points_added == [(5, 6)]
    assert game.tracker.to_play == "w"


def test_stones_only_removed_wait_for_the_next_stone():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    without = with_stones(game.seen(), remove=[(2, 2)])  # not the last move: no take-back
    assert game.observe(without) == []  # maybe being put back
    assert game.observe() == []  # it was
    assert game.tracker.move_number == 2 and game.tracker.position == game.seen()


def test_undo_of_the_last_move():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    before = game.seen()
    game.play(("b", (4, 4)))
    events = game.observe(before)
    assert events == [UndoEvent(3, "b", (4, 4), game.t)]
    assert game.tracker.move_number == 2 and game.tracker.to_play == "b"
    events = game.observe(with_stones(before, {(4, 5): "b"}))
    assert moves_of(events) == [("b", (4, 5))] and events[0].number == 3


def test_undo_of_a_capture_restores_prisoners():
    game = Game(diagram(ATARI_START))
    game.play(("b", (7, 7)))
    before = game.seen()
    game.play(("w", ATARI_CAPTURE))
    assert game.tracker.prisoners["w"] == 1
    # Taking back: first the capturing stone goes, then the captured one returns.
    assert game.observe(with_stones(before, remove=[ATARI_VICTIM])) == []
    events = game.observe(before)
    assert kinds(events) == ["UndoEvent"] and events[0].point == ATARI_CAPTURE
    assert game.tracker.prisoners["w"] == 0 and game.tracker.to_play == "w"


def test_undo_two_moves_at_once():
    game = Game()
    game.play(("b", (2, 2)))
    before = game.seen()
    game.play(("w", (6, 6)))
    game.play(("b", (4, 4)))
    events = game.observe(before)
    assert [(e.number, e.point) for e in events] == [(3, (4, 4)), (2, (6, 6))]
    assert game.tracker.to_play == "w"


def test_take_back_and_another_move_in_one_view():
    """A stone taken back and another played in its place before the board settles: the record
    holds the move played, not a stone out of turn and one removed by hand."""
    game = Game()
    game.play(("b", (2, 2)))
    before = game.seen()
    game.play(("w", (6, 6)))
    events = game.observe(with_stones(before, {(6, 5): "w"}))
    assert kinds(events) == ["UndoEvent", "MoveEvent"]
    assert events[0].point == (6, 6) and moves_of(events) == [("w", (6, 5))] and events[1].number == 2
    assert game.tracker.to_play == "b" and game.tracker.position == with_stones(before, {(6, 5): "w"})


def test_a_stone_read_out_of_turn_then_gone_is_taken_back():
    """Imago t2_008: a fingertip at the board's edge read as a White stone out of turn; the next
    photo shows it gone and Black's move: the phantom leaves the record."""
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    before = game.seen()
    events = game.observe(with_stones(before, {(4, 0): "w"}))
    assert moves_of(events) == [("w", (4, 0))] and "CorrectionEvent" in kinds(events)
    events = game.observe(with_stones(before, {(4, 4): "b"}))
    assert kinds(events) == ["UndoEvent", "MoveEvent"] and moves_of(events) == [("b", (4, 4))]
    assert [m.point for m in game.tracker.moves] == [(2, 2), (6, 6), (4, 4)]


def test_a_stone_knocked_off_is_not_taken_back_for_an_opponent_move():
    """The last stone gone and the opponent's move beside it: from before that stone it would be
    a move out of turn, so it stays in the record and its removal is a correction."""
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    game.play(("b", (4, 4)))
    events = game.observe(with_stones(game.seen(), {(3, 3): "w"}, remove=[(4, 4)]))
    assert "UndoEvent" not in kinds(events)
    assert moves_of(events) == [("w", (3, 3))]
    assert [e.kind for e in events if isinstance(e, CorrectionEvent)] == ["removed"]


def test_handicap_stones_placed_one_by_one():
    game = Game()
    stars = sorted(star_points(9))
    assert stars == [(r, c) for r in (2, 4, 6) for c in (2, 4, 6)]
    events = game.play(("b", (2, 6)))
    assert moves_of(events) == [("b", (2, 6))]  # could be a normal first move
    game_id = game.tracker.game_id
    events = game.play(("b", (6, 2)))
    assert kinds(events) == ["UndoEvent", "NewGameEvent"]
    assert events[1].handicap == 2 and events[1].game_id == game_id and events[1].to_play == "w"
    events = game.play(("b", (4, 4)))
    assert kinds(events) == ["NewGameEvent"] and events[0].handicap == 3
    events = game.play(("w", (2, 3)))
    assert moves_of(events) == [("w", (2, 3))] and events[0].number == 1
    assert game.tracker.handicap == 3


def test_handicap_stones_seen_at_once_19x19():
    tracker = GameTracker(GameConfig(unexplained_wait=0))
    tracker.observe(Position(19), 0.0)
    hoshi = {(3, 3): "b", (3, 15): "b", (15, 3): "b", (15, 15): "b"}
    (event,) = tracker.observe(Position(19, hoshi), 1.0)
    assert isinstance(event, NewGameEvent) and event.handicap == 4 and event.to_play == "w"
    events = tracker.observe(Position(19, {**hoshi, (2, 13): "w"}), 2.0)
    assert moves_of(events) == [("w", (2, 13))]


def test_first_move_on_star_point_answered_by_white_is_not_handicap():
    game = Game()
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    events = game.play(("b", (6, 2)))
    assert moves_of(events) == [("b", (6, 2))] and game.tracker.handicap == 0


def test_cleared_board_ends_the_game_and_starts_a_new_one():
    game = Game()
    first_id = game.tracker.game_id
    game.play(("b", (2, 2)))
    game.play(("w", (6, 6)))
    # Stones come off one by one: nothing is reported until the board is empty.
    assert game.observe(with_stones(game.seen(), remove=[(2, 2)])) == []
    game.t += 3600
    events = game.observe(Position(9))
    assert kinds(events) == ["EndGameEvent", "NewGameEvent"]
    assert events[0] == EndGameEvent(first_id, "board cleared", 2, game.t)
    assert events[1].game_id != first_id and game.tracker.move_number == 0
    assert game.tracker.to_play == "b"


def test_game_ids_stay_unique_within_a_second():
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=0))
    ids = [tracker.observe(Position(9), 0.0)[0].game_id]
    for _ in range(2):
        tracker.observe(Position(9, {(2, 2): "b"}), 0.5)
        ids.append(tracker.observe(Position(9), 0.7)[-1].game_id)
    assert ids == ["19700101-000000", "19700101-000000-2", "19700101-000000-3"]


def test_end_and_new_game_commands():
    game = Game()
    game.play(("b", (2, 2)))
    (end,) = game.tracker.end_game(10.0)
    assert end.reason == "command" and end.moves == 1
    assert game.play(("w", (6, 6))) == []  # ended: stones are not followed
    events = game.tracker.new_game(11.0)
    assert kinds(events) == ["NewGameEvent"]
    assert events[0].position == game.seen() and events[0].to_play is None
    events = game.play(("b", (4, 4)))
    assert moves_of(events) == [("b", (4, 4))]


def test_joined_game_takes_turn_from_first_move():
    tracker = tracker9(diagram(MIDGAME))
    assert tracker.to_play is None
    events = tracker.observe(with_stones(diagram(MIDGAME), {(5, 5): "w"}), 1.0)
    assert moves_of(events) == [("w", (5, 5))] and tracker.to_play == "b"


def test_too_many_new_stones_resync():
    game = Game()
    game.play(("b", (2, 2)))
    many = with_stones(game.seen(), {(0, c): "w" if c % 2 else "b" for c in range(8)})
    events = game.observe(many)
    assert kinds(events) == ["CorrectionEvent"] and events[0].kind == "resync"
    assert game.tracker.position == many and game.tracker.to_play == "w"


def test_wrong_board_size_is_bad_input():
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=0))
    with pytest.raises(BadInputError, match="13x13 but the game is 9x9"):
        tracker.observe(Position(13), 0.0)


def test_stone_out_of_turn_waits_for_the_move_still_settling():
    """Black's move was seen weakly and settles a moment after white's answer: with the
    wait, both are recorded in order and nothing is flagged."""
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=2.0))
    tracker.observe(Position(9), 0.0)
    one = Position(9, {(2, 2): "b"})
    assert moves_of(tracker.observe(one, 1.0)) == [("b", (2, 2))]
    early_white = with_stones(one, {(6, 6): "w", (4, 4): "w"})
    assert tracker.observe(early_white, 2.0) == []
    assert tracker.recheck(3.0) == []
    both = with_stones(early_white, {(3, 3): "b"})
    events = tracker.observe(both, 3.5, first_seen={(3, 3): 1.5, (6, 6): 1.9, (4, 4): 3.4})
    assert moves_of(events) == [("w", (6, 6)), ("b", (3, 3)), ("w", (4, 4))]
    assert not [e for e in events if isinstance(e, CorrectionEvent)]


def test_unexplained_change_is_recorded_with_its_correction_once_the_wait_is_over():
    tracker = GameTracker(GameConfig(size=9, unexplained_wait=2.0))
    tracker.observe(Position(9), 0.0)
    tracker.observe(Position(9, {(2, 2): "b"}), 1.0)
    assert tracker.observe(Position(9, {(2, 2): "b", (5, 6): "b"}), 2.0) == []
    assert tracker.recheck(3.9) == []
    events = tracker.recheck(4.0)
    assert moves_of(events) == [("b", (5, 6))]
    assert [e.kind for e in events if isinstance(e, CorrectionEvent)] == ["out_of_turn"]
    assert tracker.recheck(9.0) == []
