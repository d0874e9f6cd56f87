"""The rules of Go on top of `sgfmill.boards.Board`: captures, simple ko, no suicide.

sgfmill plays stones and removes captured groups but allows self-capture and
leaves ko to the caller; `play_legal` adds both checks and reports the captured
stones, which game following needs to match against what left the board.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgfmill.boards import Board

from edge.board.position import Color, Point, Position, opponent


class IllegalMove(ValueError):
    """The move breaks a rule: occupied point, suicide or simple ko."""


@dataclass(frozen=True)
class Ko:
    """`point` may not be played by `color` on the very next move."""

    point: Point
    color: Color


def board_from_position(position: Position) -> Board:
    board = Board(position.size)
    for (row, col), color in position.stones.items():
        board.board[row][col] = color
    board._is_empty = position.is_empty()  # kept in step with the grid we filled
    return board


def position_from_board(board: Board) -> Position:
    return Position(
        board.side,
        {(row, col): color for row, line in enumerate(board.board) for col, color in enumerate(line) if color is not None},
    )


def play_legal(board: Board, point: Point, color: Color, ko: Ko | None) -> tuple[list[Point], Ko | None]:
    """Play `color` at `point` on `board` in place; return (captured points, new ko).

    Raises IllegalMove (leaving `board` unchanged) for an occupied point, a
    suicide, or a retake of the simple ko `ko`.
    """
    row, col = point
    if board.board[row][col] is not None:
        raise IllegalMove(f"{point} is occupied")
    if ko is not None and ko.point == point and ko.color == color:
        raise IllegalMove(f"{point} is a ko that {color} may not retake yet")
    before = [line[:] for line in board.board]
    ko_point = board.play(row, col, color)
    if board.board[row][col] is None:
        board.board = before
        board._is_empty = not any(c is not None for line in before for c in line)
        raise IllegalMove(f"{color} at {point} is suicide")
    captured = [
        (r, c)
        for r in range(board.side)
        if before[r] != board.board[r]
        for c in range(board.side)
        if before[r][c] is not None and board.board[r][c] is None
    ]
    return captured, (Ko(ko_point, opponent(color)) if ko_point is not None else None)


def group_at(board: Board, point: Point) -> tuple[set[Point], set[Point]]:
    """(the stones of the group at `point`, its liberties) on `board`; `point` must hold a stone."""
    color = board.board[point[0]][point[1]]
    stones, liberties = {point}, set()
    todo = [point]
    while todo:
        row, col = todo.pop()
        for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
            if not (0 <= r < board.side and 0 <= c < board.side) or (r, c) in stones:
                continue
            here = board.board[r][c]
            if here is None:
                liberties.add((r, c))
            elif here == color:
                stones.add((r, c))
                todo.append((r, c))
    return stones, liberties


def captures_seen(board: Board, seen: Position) -> set[Point]:
    """Stones of `board` that `seen` shows taken by the rules, not by a hand.

    A group counts when all its stones are gone from `seen` and `seen` has an
    opponent stone on every one of its liberties: the stones just played there
    captured it. (Which of them was played last does not matter here.)
    """
    taken: set[Point] = set()
    looked: set[Point] = set()
    obs = seen.stones
    for row in range(board.side):
        line = board.board[row]
        for col in range(board.side):
            color = line[col]
            if color is None or (row, col) in looked or (row, col) in obs:
                continue
            stones, liberties = group_at(board, (row, col))
            looked |= stones
            enemy = opponent(color)
            if (
                liberties
                and all(p not in obs for p in stones)
                and all(obs.get(p) == enemy for p in liberties)
            ):
                taken |= stones
    return taken


def star_points(size: int) -> frozenset[Point]:
    """The hoshi where handicap stones go: 3-3 points (2-2 below 13x13), sides and centre on odd boards."""
    if size < 7:
        return frozenset()
    edge = 3 if size >= 13 else 2
    lines = [edge, size - 1 - edge]
    if size % 2 == 1:
        lines.append(size // 2)
    return frozenset((r, c) for r in lines for c in lines)


def is_handicap_setup(position: Position) -> bool:
    """2 to 9 black stones, all on star points, and no white stone."""
    stars = star_points(position.size)
    black = [p for p, c in position.stones.items() if c == "b"]
    return (
        position.count("w") == 0
        and 2 <= len(black) <= 9
        and all(p in stars for p in black)
    )
