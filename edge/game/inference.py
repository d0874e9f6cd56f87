"""Explain the change between the game's board and a newly stable board as moves.

Between two stable views several stones may have appeared (a quick reply, a
missed frame), stones may have left (captures), and people make mistakes
(a stone nudged, removed by hand, placed out of turn). `explain` searches the
orders in which the new stones could have been played under the rules and
scores each candidate by how much of the change it leaves unexplained:

- a legal move costs 1; the same stone placed out of turn costs 2.5;
- captured stones that are still on the board (the capturer has not lifted
  them yet) are left pending, at 0.2 per move whose captures are still there
  (lifting is one act, however big the capture; a big capture left on the
  board must stay cheaper than a stone placed by hand) and 0.01 per stone,
  so that of two orders the one whose captures are gone wins; a stone played
  and then captured within the same change counts too (a quick pair in which
  the second stone takes the first);
- a stone put back where a correction had removed one costs 0.5;
- a stone that slid to a point near where its colour left costs 2;
- any other stone that appeared, left or changed colour costs 3.

Stones glimpsed since the last stable position but gone again (see
`StableChange.glimpsed`) may be played too, when the new stones capture them:
a quick move taken at once by the reply and lifted before it could settle.
Left unplayed they cost nothing; played and not captured they cost as a stone
taken off by hand, so they only enter an account they make cheaper.

Ties go first to the order that agrees best with when each stone was first
seen (when the stabilizer knows: a stone seen before a hand came back was
played before the stones that hand brought), then to the order whose moves
lie closest together, as play is local.
The search is bounded by the number of new stones it will permute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from sgfmill.boards import Board

from edge.board.position import Color, Point, Position, opponent
from edge.game.rules import IllegalMove, Ko, play_legal

MOVE_COST = 1.0
OUT_OF_TURN_COST = 2.5
LAG_COST = 0.2
LAG_STONE_COST = 0.01
RESTORE_COST = 0.5
MOVED_COST = 2.0
UNEXPLAINED_COST = 3.0
MOVED_DISTANCE = 2


@dataclass(frozen=True)
class PlannedMove:
    point: Point
    color: Color
    captures: list[Point]
    out_of_turn: bool


@dataclass
class Explanation:
    """The best account of a change: moves in order, then what they leave over."""

    moves: list[PlannedMove] = field(default_factory=list)
    ko: Ko | None = None
    lagging: dict[Point, Color] = field(default_factory=dict)
    restored: dict[Point, Color] = field(default_factory=dict)
    moved: list[tuple[Point, Point, Color]] = field(default_factory=list)
    replaced: list[tuple[Point, Color, Color]] = field(default_factory=list)
    added: dict[Point, Color] = field(default_factory=dict)
    removed: dict[Point, Color] = field(default_factory=dict)
    cost: float = 0.0
    inversions: int = 0
    """Pairs of moves played in the opposite order to the one their stones were first seen in."""
    spread: int = 0

    @property
    def is_clean(self) -> bool:
        """Every change is accounted for by moves in turn (and captures still being lifted)."""
        return not (
            self.restored or self.moved or self.replaced or self.added or self.removed
            or any(m.out_of_turn for m in self.moves)
        )


def board_diff(board: Board, observed: Position) -> tuple[dict[Point, Color], dict[Point, Color]]:
    """(stones on `observed` but not on `board`, stones on `board` but not on `observed`)."""
    obs = observed.stones
    have = {
        (row, col): color
        for row, line in enumerate(board.board)
        for col, color in enumerate(line)
        if color is not None
    }
    added = {point: color for point, color in obs.items() if have.get(point) != color}
    removed = {point: color for point, color in have.items() if obs.get(point) != color}
    return added, removed


def _distance(a: Point | None, b: Point) -> int:
    if a is None:
        return 0
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


class _Search:
    def __init__(
        self,
        board: Board,
        observed: Position,
        added: Mapping[Point, Color],
        removed: Mapping[Point, Color],
        ghosts: Mapping[Point, Color],
        last_point: Point | None,
        seen_at: Mapping[Point, float],
        glimpsed: Mapping[Point, Color],
    ) -> None:
        self.start = board
        self.seen_at = seen_at
        self.glimpsed = {
            p: c for p, c in glimpsed.items() if board.board[p[0]][p[1]] is None and p not in observed.stones
        }
        self.candidates = {**self.glimpsed, **added}
        self.obs = observed.stones
        self.added = dict(added)
        self.removed = dict(removed)
        self.ghosts = ghosts
        self.last_point = last_point
        self.best: Explanation | None = None

    def run(self, to_play: Color | None, ko: Ko | None) -> Explanation:
        self._visit(self.start, to_play, ko, [], 0.0, 0, 0, {})
        assert self.best is not None  # the empty sequence is always scored
        return self.best

    def _visit(
        self,
        board: Board,
        to_play: Color | None,
        ko: Ko | None,
        moves: list[PlannedMove],
        move_cost: float,
        inversions: int,
        spread: int,
        captured: dict[Point, tuple[Color, int]],
    ) -> None:
        """`captured`: each point the moves so far captured, with the colour taken there and the capturing move's index."""
        self._score(board, ko, moves, move_cost, inversions, spread, captured)
        prev = moves[-1].point if moves else self.last_point
        for point, color in self.candidates.items():
            if any(m.point == point for m in moves):
                continue
            out_of_turn = to_play is not None and color != to_play
            cost = move_cost + (OUT_OF_TURN_COST if out_of_turn else MOVE_COST)
            if self.best is not None and cost > self.best.cost:
                continue
            child = board.copy()
            try:
                caps, new_ko = play_legal(child, point, color, ko)
            except IllegalMove:
                continue
            taken = opponent(color)
            when = self.seen_at.get(point)
            later = 0 if when is None else sum(
                1 for m in moves if self.seen_at.get(m.point, when) > when
            )
            self._visit(
                child,
                opponent(color),
                new_ko,
                [*moves, PlannedMove(point, color, caps, out_of_turn)],
                cost,
                inversions + later,
                spread + _distance(prev, point),
                {**captured, **{p: (taken, len(moves)) for p in caps}},
            )

    def _score(
        self,
        board: Board,
        ko: Ko | None,
        moves: list[PlannedMove],
        move_cost: float,
        inversions: int,
        spread: int,
        captured: dict[Point, tuple[Color, int]],
    ) -> None:
        result = Explanation(moves=moves, ko=ko, inversions=inversions, spread=spread)
        cost = move_cost
        lagging_moves: set[int] = set()
        extra_added: dict[Point, Color] = {}
        extra_removed: dict[Point, Color] = {}
        for point in set(self.added) | set(self.removed) | set(captured) | set(self.glimpsed):
            have = board.board[point[0]][point[1]]
            seen = self.obs.get(point)
            if have == seen:
                continue
            if have is None and point in captured and seen == captured[point][0]:
                result.lagging[point] = seen
                lagging_moves.add(captured[point][1])
                cost += LAG_STONE_COST
            elif have is None:
                if self.ghosts.get(point) == seen:
                    result.restored[point] = seen
                    cost += RESTORE_COST
                else:
                    extra_added[point] = seen
            elif seen is None:
                extra_removed[point] = have
            else:
                result.replaced.append((point, have, seen))
                cost += UNEXPLAINED_COST
        # A stone that left and one of its colour that appeared close by: one slid.
        pairs = sorted(
            (abs(r[0] - a[0]) + abs(r[1] - a[1]), r, a)
            for r, rc in extra_removed.items()
            for a, ac in extra_added.items()
            if rc == ac and abs(r[0] - a[0]) + abs(r[1] - a[1]) <= MOVED_DISTANCE
        )
        for _, r, a in pairs:
            if r in extra_removed and a in extra_added:
                result.moved.append((r, a, extra_removed.pop(r)))
                del extra_added[a]
                cost += MOVED_COST
        result.added = extra_added
        result.removed = extra_removed
        cost += LAG_COST * len(lagging_moves)
        cost += UNEXPLAINED_COST * (len(extra_added) + len(extra_removed))
        result.cost = cost
        best = self.best
        if best is None or (cost, inversions, spread) < (best.cost, best.inversions, best.spread):
            self.best = result


def explain(
    board: Board,
    to_play: Color | None,
    ko: Ko | None,
    observed: Position,
    *,
    ghosts: Mapping[Point, Color],
    last_point: Point | None,
    max_stones: int,
    seen_at: Mapping[Point, float] | None = None,
    glimpsed: Mapping[Point, Color] | None = None,
) -> Explanation | None:
    """The cheapest account of `observed` from `board`; None when too many stones appeared to search.

    `seen_at`: when each new stone was first seen, where known (orders ties).
    `glimpsed`: stones seen briefly and gone again, possible moves that were captured.
    """
    added, removed = board_diff(board, observed)
    if len(added) + len(glimpsed or {}) > max_stones:
        glimpsed = {}
    if len(added) > max_stones:
        return None
    search = _Search(board, observed, added, removed, ghosts, last_point, seen_at or {}, glimpsed or {})
    return search.run(to_play, ko)
