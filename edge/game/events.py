"""What game following reports: plain dataclasses, one per kind of event.

Points are `(row, col)` as in `edge.board.position`; colours are "b"/"w";
timestamps are Unix epoch seconds of the frame that confirmed the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from edge.board.position import Color, Point, Position

CorrectionKind = Literal["moved", "removed", "added", "replaced", "out_of_turn", "resync"]


@dataclass(frozen=True)
class MoveEvent:
    """Move `number` (1-based, handicap stones not counted); `point` None is a pass.

    `captures` are the stones this move took off the board (they count as
    prisoners of `color`). `inferred_order` is True when the move came from
    several stones seen at once, whose order was inferred.
    """

    number: int
    color: Color
    point: Point | None
    captures: list[Point]
    timestamp: float
    inferred_order: bool = False


@dataclass(frozen=True)
class CorrectionEvent:
    """A change of the board that no legal move explains; the record follows the board.

    kind: "moved" (a stone slid to a nearby point), "removed" / "added" (a stone
    taken off or put on by hand), "replaced" (a point changed colour),
    "out_of_turn" (recorded as a move, but by the player not to play: a missed
    move or a pass), "resync" (too many changes to explain; the board is taken as read).
    """

    kind: CorrectionKind
    points_added: list[Point]
    points_removed: list[Point]
    message: str
    timestamp: float


@dataclass(frozen=True)
class UndoEvent:
    """Move `number` (by `color` at `point`) was taken back."""

    number: int
    color: Color
    point: Point | None
    timestamp: float


@dataclass(frozen=True)
class NewGameEvent:
    """A game starts on `position` (empty, handicap stones, or a game joined in progress).

    A NewGameEvent with the game_id of the game in progress restates its start
    (its handicap was recognised); an UndoEvent for any move it absorbed comes first.
    """

    game_id: str
    handicap: int
    size: int
    timestamp: float
    position: Position
    to_play: Color | None = "b"


@dataclass(frozen=True)
class EndGameEvent:
    """The game `game_id` ended after `moves` moves: "command" or "board cleared"."""

    game_id: str
    reason: str
    moves: int
    timestamp: float


GameEvent = Union[MoveEvent, CorrectionEvent, UndoEvent, NewGameEvent, EndGameEvent]
