"""Human-readable point names for messages and comments: "D4", as on the board and in GTP."""

from __future__ import annotations

from edge.board.position import Point

_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def point_name(point: Point | None, size: int) -> str:
    """`(row, col)` with row 0 at the top -> "A19"-style name (column letters skip I); None -> "pass"."""
    if point is None:
        return "pass"
    row, col = point
    return f"{_LETTERS[col]}{size - row}"


def points_names(points: list[Point], size: int) -> str:
    return " ".join(point_name(p, size) for p in sorted(points))
