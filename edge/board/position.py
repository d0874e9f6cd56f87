"""A Go position as sgfmill models it: `(row, col)` points and one colour type.

Row 0 is the top line of the rectified board (the line from `corners[0]` to
`corners[1]`), column 0 the left line (from `corners[0]` to `corners[3]`).
Colours are sgfmill's `"b"` and `"w"`; an empty point is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Literal, Mapping

Color = Literal["b", "w"]
Point = tuple[int, int]
BOARD_SIZES: tuple[int, ...] = (9, 13, 19)

_TO_CHAR = {"b": "B", "w": "W"}
_FROM_CHAR: dict[str, Color | None] = {"B": "b", "W": "w", ".": None, "+": None}


def opponent(color: Color) -> Color:
    return "w" if color == "b" else "b"


@dataclass(frozen=True)
class Position:
    """An immutable board position of `size` x `size` points."""

    size: int
    stones: Mapping[Point, Color] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 2 <= self.size <= 25:
            raise ValueError(f"board size {self.size} is outside 2..25")
        for (row, col), color in self.stones.items():
            if not (0 <= row < self.size and 0 <= col < self.size):
                raise ValueError(f"point {(row, col)} is off a {self.size}x{self.size} board")
            if color not in ("b", "w"):
                raise ValueError(f"colour {color!r} at {(row, col)} is not 'b' or 'w'")
        object.__setattr__(self, "stones", dict(self.stones))

    def __getitem__(self, point: Point) -> Color | None:
        return self.stones.get(point)

    def __iter__(self) -> Iterator[tuple[Point, Color]]:
        return iter(sorted(self.stones.items()))

    def __hash__(self) -> int:
        return hash((self.size, frozenset(self.stones.items())))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Position)
            and self.size == other.size
            and dict(self.stones) == dict(other.stones)
        )

    def is_empty(self) -> bool:
        return not self.stones

    def count(self, color: Color) -> int:
        return sum(1 for c in self.stones.values() if c == color)

    def rows(self) -> list[str]:
        """`size` strings of `.`, `B`, `W`, row 0 first."""
        grid = [["."] * self.size for _ in range(self.size)]
        for (row, col), color in self.stones.items():
            grid[row][col] = _TO_CHAR[color]
        return ["".join(line) for line in grid]

    @classmethod
    def from_rows(cls, rows: Iterable[str]) -> "Position":
        """Parse rows of `.`/`B`/`W`; whitespace between tokens is ignored.

        Raises ValueError naming the row and character that is wrong.
        """
        lines = ["".join(r.split()) for r in rows if r.strip()]
        size = len(lines)
        stones: dict[Point, Color] = {}
        for r, line in enumerate(lines):
            if len(line) != size:
                raise ValueError(f"row {r + 1} has {len(line)} points, expected {size}")
            for c, ch in enumerate(line):
                if ch not in _FROM_CHAR:
                    raise ValueError(f"row {r + 1} column {c + 1}: unknown token {ch!r}")
                color = _FROM_CHAR[ch]
                if color is not None:
                    stones[(r, c)] = color
        return cls(size, stones)

    def diagram(self) -> str:
        """An ASCII diagram with A1-style coordinates (skipping I, as sgfmill does)."""
        letters = "ABCDEFGHJKLMNOPQRSTUVWXYZ"[: self.size]
        head = "   " + " ".join(letters)
        body = [
            f"{self.size - r:>2} " + " ".join(line) + f" {self.size - r}"
            for r, line in enumerate(self.rows())
        ]
        return "\n".join([head, *body, head])

    def symmetries(self) -> list["Position"]:
        """The 8 images of this position under the board's rotations and reflections
        (the first 4 are the rotations, identity first)."""
        return [
            Position(self.size, {f(r, c): color for (r, c), color in self.stones.items()})
            for f in symmetry_maps(self.size)
        ]


def symmetry_maps(size: int) -> list[Callable[[int, int], Point]]:
    """Point maps of the board's 8 symmetries, in `Position.symmetries` order."""
    n = size - 1
    return [
        lambda r, c: (r, c),
        lambda r, c: (c, n - r),
        lambda r, c: (n - r, n - c),
        lambda r, c: (n - c, r),
        lambda r, c: (r, n - c),
        lambda r, c: (n - r, c),
        lambda r, c: (c, r),
        lambda r, c: (n - c, n - r),
    ]
