"""From stable board positions to the moves of a game, under the rules.

`GameTracker.observe` compares each newly stable position with the game's own
board (sgfmill's, with captures applied) and reports what happened as events:
moves (inferred in order when several stones appeared at once), take-backs,
corrections for what no legal move explains, and the start and end of games.

Things that are deliberately not acted on at once:
- captured stones that are still on the board (the capturer lifts them one by
  one) are remembered as pending and ignored until they go;
- stones that only disappear, with nothing new and no take-back, are left
  alone until the next stone appears or the board is cleared: dead stones
  being lifted at the end, a stone being put back, a board being cleared
  stone by stone all look like this at first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from sgfmill.boards import Board

from edge.board.position import Color, Point, Position, opponent
from edge.errors import BadInputError
from edge.game.config import GameConfig
from edge.game.coords import point_name, points_names
from edge.game.events import (
    CorrectionEvent,
    EndGameEvent,
    GameEvent,
    MoveEvent,
    NewGameEvent,
    UndoEvent,
)
from edge.game.inference import Explanation, board_diff, explain
from edge.game.rules import (
    Ko,
    board_from_position,
    captures_seen,
    is_handicap_setup,
    play_legal,
    position_from_board,
)


# A stone that reappears where a correction removed one, within this many moves,
# is taken as put back rather than as a new move.
GHOST_MOVES = 4


@dataclass
class _Snapshot:
    """The game state just before a move, to return to when that move is taken back."""

    board: Board
    to_play: Color | None
    ko: Ko | None
    prisoners: dict[Color, int]
    pending: dict[Point, Color]
    move: MoveEvent


class GameTracker:
    """Follows one game at a time on a board of `config.size` points."""

    def __init__(self, config: GameConfig) -> None:
        self.config = config
        self._phase = "idle"  # idle (nothing seen yet) | playing | ended
        self._game_id: str | None = None
        self._reset_game(Position(config.size))
        self._black_player = config.black_player
        self._white_player = config.white_player
        self._last_seen: Position | None = None
        self._last_time: float | None = None

    # -- state -------------------------------------------------------------------

    @property
    def phase(self) -> str:
        return self._phase

    @property
    def game_id(self) -> str | None:
        return self._game_id

    @property
    def position(self) -> Position:
        """The game's board: stones in play, captures applied."""
        return position_from_board(self._board)

    @property
    def to_play(self) -> Color | None:
        """Whose move it is; None when a game was joined in progress and nobody has moved yet."""
        return self._to_play

    @property
    def prisoners(self) -> dict[Color, int]:
        """Stones captured *by* each colour."""
        return dict(self._prisoners)

    @property
    def move_number(self) -> int:
        return len(self._moves)

    @property
    def moves(self) -> tuple[MoveEvent, ...]:
        return tuple(self._moves)

    @property
    def last_move(self) -> MoveEvent | None:
        return self._moves[-1] if self._moves else None

    @property
    def handicap(self) -> int:
        return self._handicap

    @property
    def start_position(self) -> Position:
        return self._start_position

    @property
    def players(self) -> tuple[str, str]:
        return self._black_player, self._white_player

    # -- commands ----------------------------------------------------------------

    def new_game(self, timestamp: float | None = None) -> list[GameEvent]:
        """End the game in progress (if any) and start one on the board as last seen."""
        ts = self._now(timestamp)
        events: list[GameEvent] = []
        if self._phase == "playing":
            events.append(EndGameEvent(self._game_id or "", "command", len(self._moves), ts))
        seen = self._last_seen if self._last_seen is not None else Position(self.config.size)
        return events + self._start(seen, ts)

    def end_game(self, timestamp: float | None = None) -> list[GameEvent]:
        """End the game in progress; the next game starts when the board is emptied or on command."""
        if self._phase != "playing":
            return []
        self._phase = "ended"
        return [EndGameEvent(self._game_id or "", "command", len(self._moves), self._now(timestamp))]

    def set_players(self, black: str, white: str) -> None:
        self._black_player = black
        self._white_player = white

    # -- observation -------------------------------------------------------------

    def explained_removals(self, seen: Position) -> set[Point]:
        """Points whose stone `seen` lacks because the rules took it, not a hand.

        They are captured stones being lifted (pending) and whole groups that
        the opponent stones `seen` shows on all their liberties captured. The
        stabilizer asks this of a frame where many points changed at once: a
        big capture changes many points, but it is a move, not a hand.
        """
        if self._phase != "playing":
            return set()
        lifted = {point for point, color in self._pending.items() if seen.stones.get(point) != color}
        return lifted | captures_seen(self._board, seen)


    def observe(
        self,
        position: Position,
        timestamp: float,
        first_seen: Mapping[Point, float] | None = None,
        glimpsed: Mapping[Point, Color] | None = None,
    ) -> list[GameEvent]:
        """Take in a newly stable position; return what it tells about the game.

        Optional, from the stabilizer: `first_seen`, when each changed point was
        first seen as it now is (it orders stones that reach the game together
        where the rules do not); `glimpsed`, stones seen briefly since the last
        position and gone again (moves, if the new stones captured them).
        """
        if position.size != self.config.size:
            n = self.config.size
            raise BadInputError(f"position is {position.size}x{position.size} but the game is {n}x{n}")
        self._last_seen = position
        self._last_time = timestamp
        if self._phase == "idle":
            return self._start(position, timestamp)
        if self._phase == "ended":
            return self._start(position, timestamp) if position.is_empty() else []
        if position.is_empty():
            return self._board_cleared(timestamp)

        undone = self._try_undo(position, timestamp)
        if undone:
            return undone
        observed = self._without_pending(position)
        added, removed = board_diff(self._board, observed)
        if not added:
            # Stones only left: wait for the next stone or an empty board (see module doc).
            return []
        restated = self._try_handicap(observed, timestamp)
        if restated:
            return restated
        if self._deferred is not None:
            _, seen_before, glimpsed_before = self._deferred
            first_seen = {**seen_before, **(first_seen or {})}
            glimpsed = {**glimpsed_before, **(glimpsed or {})}
        plan = self._explain(self._board, self._to_play, self._ko, len(self._moves), observed, first_seen, glimpsed)
        if plan is None or not plan.is_clean:
            replayed = self._try_take_back_then_play(position, timestamp, first_seen, glimpsed)
            if replayed:
                self._deferred = None
                return replayed
            since = timestamp if self._deferred is None else self._deferred[0]
            if timestamp - since < self.config.unexplained_wait:
                self._deferred = (since, dict(first_seen or {}), dict(glimpsed or {}))
                return []
        self._deferred = None
        if plan is None:
            return self._resync(observed, added, removed, timestamp)
        return self._apply(plan, observed, timestamp)

    def recheck(self, timestamp: float) -> list[GameEvent]:
        """Record a change held back as unexplained once it has waited `unexplained_wait`."""
        if self._deferred is None or self._last_seen is None:
            return []
        if timestamp - self._deferred[0] < self.config.unexplained_wait:
            return []
        return self.observe(self._last_seen, timestamp)

    # -- lifecycle ---------------------------------------------------------------

    def _reset_game(self, position: Position) -> None:
        self._board = board_from_position(position)
        self._start_position = position
        self._to_play = "b"
        self._ko = None
        self._prisoners = {"b": 0, "w": 0}
        self._moves: list[MoveEvent] = []
        self._history: list[_Snapshot] = []
        self._pending: dict[Point, Color] = {}
        # Stones a correction took off: (colour, move number then), to recognise them being put back.
        self._ghosts: dict[Point, tuple[Color, int]] = {}
        self._handicap = 0
        self._corrected = False
        # An unexplained change waiting for the next one: since when, and its first sightings.
        self._deferred: tuple[float, dict[Point, float], dict[Point, Color]] | None = None

    def _start(self, position: Position, timestamp: float, same_game: bool = False) -> list[GameEvent]:
        if not same_game:
            self._game_id = self._new_game_id(timestamp)
        self._reset_game(position)
        if position.is_empty():
            self._to_play = "b"
        elif is_handicap_setup(position):
            self._handicap = position.count("b")
            self._to_play = "w"
        else:
            # Joined in progress: whose turn it is shows with the first move.
            self._to_play = None
        self._phase = "playing"
        return [
            NewGameEvent(
                self._game_id or "", self._handicap, position.size, timestamp, position, self._to_play
            )
        ]

    def _board_cleared(self, timestamp: float) -> list[GameEvent]:
        if not self._moves and not self._corrected:
            if self._start_position.is_empty():
                self._pending.clear()
                return []
            # Only the starting stones were on: the same game, restarted empty.
            return self._start(Position(self.config.size), timestamp, same_game=True)
        events: list[GameEvent] = [
            EndGameEvent(self._game_id or "", "board cleared", len(self._moves), timestamp)
        ]
        return events + self._start(Position(self.config.size), timestamp)

    def _new_game_id(self, timestamp: float) -> str:
        stamp = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")
        previous = self._game_id or ""
        if previous == stamp or previous.startswith(stamp + "-"):
            suffix = int(previous.rsplit("-", 1)[1]) + 1 if previous != stamp else 2
            return f"{stamp}-{suffix}"
        return stamp

    def _now(self, timestamp: float | None) -> float:
        if timestamp is not None:
            return timestamp
        return self._last_time if self._last_time is not None else time.time()

    # -- special changes ---------------------------------------------------------

    def _without_pending(self, position: Position) -> Position:
        """The position with captured-but-not-yet-lifted stones taken off; forgets lifted ones."""
        stones = dict(position.stones)
        for point, color in list(self._pending.items()):
            if stones.get(point) == color:
                del stones[point]
            else:
                del self._pending[point]
        return Position(position.size, stones)

    def _explain(
        self,
        board: Board,
        to_play: Color | None,
        ko: Ko | None,
        moves_played: int,
        observed: Position,
        first_seen: Mapping[Point, float] | None,
        glimpsed: Mapping[Point, Color] | None,
    ) -> Explanation | None:
        """How the game, at `board` after `moves_played` moves, came to show `observed`."""
        return explain(
            board,
            to_play,
            ko,
            observed,
            ghosts={
                point: color
                for point, (color, at_move) in self._ghosts.items()
                if moves_played - at_move <= GHOST_MOVES
            },
            last_point=self._moves[moves_played - 1].point if moves_played else None,
            max_stones=self.config.max_search_stones,
            seen_at=first_seen,
            glimpsed=glimpsed,
        )

    def _try_undo(self, position: Position, timestamp: float) -> list[GameEvent]:
        depth = min(self.config.max_undo, len(self._history))
        for k in range(1, depth + 1):
            snap = self._history[-k]
            if _same_allowing_pending(snap.board, snap.pending, position):
                return self._take_back(k, position, timestamp)
        return []

    def _try_take_back_then_play(
        self,
        position: Position,
        timestamp: float,
        first_seen: Mapping[Point, float] | None,
        glimpsed: Mapping[Point, Color] | None,
    ) -> list[GameEvent]:
        """For a change the game's board cannot explain cleanly: the last moves' stones are gone
        and, from before them, legal moves in turn explain the rest. A take-back followed by the
        move played instead, or a stone seen out of turn (a fingertip read as a stone) that the
        next view no longer shows: the record then holds the moves without corrections."""
        depth = min(self.config.max_undo, len(self._history))
        for k in range(1, depth + 1):
            # Only stones seen gone are taken back (a pass shows nothing either way).
            if any(m.point is None or position.stones.get(m.point) == m.color for m in self._moves[-k:]):
                continue
            snap = self._history[-k]
            observed = _lifted(position, snap.pending)
            plan = self._explain(snap.board, snap.to_play, snap.ko, len(self._moves) - k, observed,
                                 first_seen, glimpsed)
            if plan is not None and plan.is_clean and plan.moves:
                events = self._take_back(k, position, timestamp)
                return events + self._apply(plan, observed, timestamp)
        return []

    def _take_back(self, k: int, position: Position, timestamp: float) -> list[GameEvent]:
        """Undo the last `k` moves; `position` is the view that shows them gone."""
        snap = self._history[-k]
        events: list[GameEvent] = []
        for _ in range(k):
            move = self._moves.pop()
            self._history.pop()
            events.append(UndoEvent(move.number, move.color, move.point, timestamp))
        self._board = snap.board.copy()
        self._to_play = snap.to_play
        self._ko = snap.ko
        self._prisoners = dict(snap.prisoners)
        self._pending = {p: c for p, c in snap.pending.items() if position.stones.get(p) == c}
        return events

    def _try_handicap(self, observed: Position, timestamp: float) -> list[GameEvent]:
        """Black stones going onto star points before White's first stone are handicap stones."""
        only_black_moves = all(m.color == "b" for m in self._moves)
        early = (self._handicap > 0 and not self._moves) or (
            self._start_position.is_empty() and len(self._moves) <= 1 and only_black_moves
        )
        if not early or self._corrected or not is_handicap_setup(observed):
            return []
        events: list[GameEvent] = [
            UndoEvent(m.number, m.color, m.point, timestamp) for m in reversed(self._moves)
        ]
        return events + self._start(observed, timestamp, same_game=True)

    def _resync(
        self,
        observed: Position,
        added: dict[Point, Color],
        removed: dict[Point, Color],
        timestamp: float,
    ) -> list[GameEvent]:
        """Too much changed to explain: take the board as read and guess the turn from the stone counts."""
        n_black = sum(1 for c in added.values() if c == "b")
        n_white = len(added) - n_black
        if self._to_play is None:
            self._to_play = "w" if n_black > n_white else "b" if n_white > n_black else None
        else:
            mine = n_black if self._to_play == "b" else n_white
            theirs = len(added) - mine
            if mine - theirs == 1:
                self._to_play = opponent(self._to_play)
        self._set_board(observed)
        size = observed.size
        message = (
            f"board re-read: {len(added)} stones appeared ({points_names(list(added), size)})"
            f" and {len(removed)} left ({points_names(list(removed), size)}); too many to infer moves"
        )
        return [CorrectionEvent("resync", sorted(added), sorted(removed), message, timestamp)]

    # -- applying an explanation ----------------------------------------------------

    def _apply(self, plan: Explanation, observed: Position, timestamp: float) -> list[GameEvent]:
        events: list[GameEvent] = []
        size = observed.size
        several = len(plan.moves) > 1
        for planned in plan.moves:
            before = (self._board.copy(), self._to_play, self._ko, dict(self._prisoners), dict(self._pending))
            captures, self._ko = play_legal(self._board, planned.point, planned.color, self._ko)
            self._prisoners[planned.color] += len(captures)
            for point in captures:
                self._ghosts.pop(point, None)
            move = MoveEvent(
                len(self._moves) + 1, planned.color, planned.point, sorted(captures), timestamp, several
            )
            self._history.append(_Snapshot(*before, move=move))
            del self._history[: -max(self.config.max_undo, 1)]
            self._moves.append(move)
            self._to_play = opponent(planned.color)
            self._ghosts.pop(planned.point, None)
            events.append(move)
            if planned.out_of_turn:
                events.append(
                    CorrectionEvent(
                        "out_of_turn",
                        [planned.point],
                        [],
                        f"{'Black' if planned.color == 'b' else 'White'} played "
                        f"{point_name(planned.point, size)} out of turn (a missed move or a pass?)",
                        timestamp,
                    )
                )
        self._pending.update(plan.lagging)

        corrections = _correction_events(plan, size, timestamp)
        if corrections:
            self._set_board(observed)
            for point, color in plan.removed.items():
                self._ghosts[point] = (color, len(self._moves))
            for source, _, color in plan.moved:
                self._ghosts[source] = (color, len(self._moves))
            for point in [*plan.restored, *plan.added]:
                self._ghosts.pop(point, None)
            events.extend(corrections)
        return events

    def _set_board(self, observed: Position) -> None:
        """Make the game's board what was seen (less pending captures); take-backs cannot reach past this."""
        stones = dict(observed.stones)
        for point in self._pending:
            stones.pop(point, None)
        self._board = board_from_position(Position(observed.size, stones))
        self._ko = None
        self._history.clear()
        self._corrected = True


def _lifted(position: Position, pending: Mapping[Point, Color]) -> Position:
    """`position` without the captured stones still being lifted."""
    return Position(position.size, {p: c for p, c in position.stones.items() if pending.get(p) != c})


def _same_allowing_pending(board: Board, pending: dict[Point, Color], position: Position) -> bool:
    added, removed = board_diff(board, position)
    return not removed and all(pending.get(point) == color for point, color in added.items())


def _correction_events(plan: Explanation, size: int, timestamp: float) -> list[CorrectionEvent]:
    events: list[CorrectionEvent] = []
    for source, target, color in plan.moved:
        events.append(
            CorrectionEvent(
                "moved", [target], [source],
                f"{_name(color)} stone moved by hand"
                f" from {point_name(source, size)} to {point_name(target, size)}",
                timestamp,
            )
        )
    if plan.restored:
        points = sorted(plan.restored)
        events.append(
            CorrectionEvent(
                "added", points, [],
                f"stone put back at {points_names(points, size)}", timestamp,
            )
        )
    if plan.added:
        points = sorted(plan.added)
        events.append(
            CorrectionEvent(
                "added", points, [],
                f"stone placed by hand at {points_names(points, size)} (no legal move explains it)",
                timestamp,
            )
        )
    if plan.removed:
        points = sorted(plan.removed)
        events.append(
            CorrectionEvent(
                "removed", [], points,
                f"stone removed by hand from {points_names(points, size)} (not captured)",
                timestamp,
            )
        )
    for point, was, now in plan.replaced:
        events.append(
            CorrectionEvent(
                "replaced", [point], [point],
                f"{point_name(point, size)} changed from {_name(was)} to {_name(now)}",
                timestamp,
            )
        )
    return events


def _name(color: Color) -> str:
    return "Black" if color == "b" else "White"
