"""The game record as SGF (FF[4], written with sgfmill), and its crash-safe file.

Root: GM FF CA AP SZ KM, HA with the handicap stones as AB (PL[W]), the
stones of a game joined in progress as AB/AW, PB/PW/EV from the
configuration, DT the start date (UTC).

Each move node carries `MT[...]`, a private property holding the time the
move was seen, ISO 8601 in UTC with milliseconds ("2024-05-01T14:03:07.250Z").
SGF readers keep or ignore properties they do not know (FF[4] asks them to
keep them), so the record loads everywhere and the times survive editing.

A correction (a change no legal move explains) becomes a setup node
(AB/AW/AE) that brings the record's board to the board as seen, with the
reason in its comment C[]; a move played out of turn stays a move, with a
comment saying so. The end of a game is a comment on the last node.

Points here are edge's `(row, col)` with row 0 at the top; sgfmill counts
rows from the bottom, which `_sgf_point` converts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sgfmill import sgf

from edge import __version__
from edge.atomic import atomic_write_bytes
from edge.board.position import Color, Point, Position
from edge.errors import BadInputError
from edge.game.config import GameConfig
from edge.game.events import CorrectionEvent, EndGameEvent, GameEvent, MoveEvent, UndoEvent

TIME_PROPERTY = "MT"


def main_line(data: bytes) -> tuple[int, list[tuple[Color, Point | None]]]:
    """An SGF record's board size and main-line moves, points as edge's `(row, col)` (None: a pass)."""
    try:
        game = sgf.Sgf_game.from_bytes(data)
    except ValueError as exc:
        raise BadInputError(f"not a readable SGF record: {exc}") from None
    size = game.get_size()
    moves: list[tuple[Color, Point | None]] = []
    for node in game.get_main_sequence():
        color, point = node.get_move()
        if color is not None:
            moves.append((color, None if point is None else (size - 1 - point[0], point[1])))
    return size, moves


def iso_time(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class _MoveNode:
    number: int
    color: Color
    point: Point | None
    timestamp: float
    comments: list[str] = field(default_factory=list)


@dataclass
class _SetupNode:
    black: list[Point]
    white: list[Point]
    empty: list[Point]
    timestamp: float
    comments: list[str] = field(default_factory=list)


class GameRecord:
    """One game's record, built up from events; `sgf_bytes()` renders it."""

    def __init__(
        self,
        config: GameConfig,
        game_id: str,
        start_time: float,
        start_position: Position,
        handicap: int = 0,
        black_player: str | None = None,
        white_player: str | None = None,
    ) -> None:
        self.config = config
        self.game_id = game_id
        self.start_time = start_time
        self.start_position = start_position
        self.handicap = handicap
        self.black_player = config.black_player if black_player is None else black_player
        self.white_player = config.white_player if white_player is None else white_player
        self._nodes: list[_MoveNode | _SetupNode] = []
        self._end_note: str | None = None

    @property
    def size(self) -> int:
        return self.start_position.size

    @property
    def is_blank(self) -> bool:
        """Nothing has happened in this game yet (no move, no correction)."""
        return not self._nodes

    @property
    def moves(self) -> list[tuple[Color, Point | None]]:
        return [(n.color, n.point) for n in self._nodes if isinstance(n, _MoveNode)]

    def apply(self, events: list[GameEvent], board: Position) -> None:
        """Record a batch of the tracker's events for this game; `board` is the game's board after them.

        Corrections in a batch become one setup node; a NewGameEvent is for the
        caller (it starts another record) and is skipped here.
        """
        corrections: list[CorrectionEvent] = []
        for event in [*events, None]:
            if isinstance(event, CorrectionEvent) and event.kind != "out_of_turn":
                corrections.append(event)
                continue
            if corrections:
                self.add_correction(corrections, board)
                corrections = []
            if isinstance(event, MoveEvent):
                self.add_move(event)
            elif isinstance(event, UndoEvent):
                self.undo(event)
            elif isinstance(event, CorrectionEvent):
                self.note_on_last_move(f"Correction: {event.message}")
            elif isinstance(event, EndGameEvent):
                self.end(event.reason)

    def add_move(self, event: MoveEvent) -> None:
        self._nodes.append(_MoveNode(event.number, event.color, event.point, event.timestamp))

    def note_on_last_move(self, text: str) -> None:
        for node in reversed(self._nodes):
            if isinstance(node, _MoveNode):
                node.comments.append(text)
                return

    def add_correction(self, events: list[CorrectionEvent], board: Position) -> None:
        """A setup node taking the record to `board` at the corrected points, with the reasons."""
        points: set[Point] = set()
        for event in events:
            points.update(event.points_added)
            points.update(event.points_removed)
        if not points:
            return
        black = sorted(p for p in points if board[p] == "b")
        white = sorted(p for p in points if board[p] == "w")
        empty = sorted(p for p in points if board[p] is None)
        self._nodes.append(
            _SetupNode(black, white, empty, events[0].timestamp, [f"Correction: {e.message}" for e in events])
        )

    def undo(self, event: UndoEvent) -> None:
        for i in range(len(self._nodes) - 1, -1, -1):
            node = self._nodes[i]
            if isinstance(node, _MoveNode) and node.number == event.number:
                del self._nodes[i]
                return

    def set_players(self, black: str, white: str) -> None:
        self.black_player = black
        self.white_player = white

    def end(self, reason: str) -> None:
        self._end_note = f"Game ended: {reason}."

    def _sgf_point(self, point: Point) -> tuple[int, int]:
        return self.size - 1 - point[0], point[1]

    def sgf_bytes(self) -> bytes:
        game = sgf.Sgf_game(self.size)
        root = game.get_root()
        root.set("AP", ("goban-edge", __version__))
        root.set("KM", self.config.komi)
        start = self.start_position
        black = [self._sgf_point(p) for p, c in start.stones.items() if c == "b"]
        white = [self._sgf_point(p) for p, c in start.stones.items() if c == "w"]
        root.set_setup_stones(black, white)
        if self.handicap:
            root.set("HA", self.handicap)
            root.set("PL", "w")
        if self.black_player:
            root.set("PB", self.black_player)
        if self.white_player:
            root.set("PW", self.white_player)
        if self.config.event:
            root.set("EV", self.config.event)
        root.set("DT", datetime.fromtimestamp(self.start_time, tz=timezone.utc).strftime("%Y-%m-%d"))
        root.set("GN", self.game_id)
        last = root
        for item in self._nodes:
            node = game.extend_main_sequence()
            if isinstance(item, _MoveNode):
                node.set_move(item.color, None if item.point is None else self._sgf_point(item.point))
                node.set(TIME_PROPERTY, iso_time(item.timestamp))
            else:
                node.set_setup_stones(
                    [self._sgf_point(p) for p in item.black],
                    [self._sgf_point(p) for p in item.white],
                    [self._sgf_point(p) for p in item.empty],
                )
            for text in item.comments:
                node.add_comment_text(text)
            last = node
        if self._end_note:
            last.add_comment_text(self._end_note)
        return game.serialise()


class SgfWriter:
    """Writes each game's record to `directory/<game_id>.sgf`, atomically."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, game_id: str) -> Path:
        return self.directory / f"{game_id}.sgf"

    def write(self, record: GameRecord) -> Path:
        path = self.path_for(record.game_id)
        atomic_write_bytes(path, record.sgf_bytes())
        return path
