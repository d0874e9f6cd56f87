"""Fixtures for the game-following tests: board diagrams and readers of the real data.

Diagrams are 9x9, row 0 at the top, `.` empty, `B` black, `W` white.
Real data (read-only) lives in ../shared/data: three professional game records
(games/) and the imago photo sequences with their expected positions (imago-tests/).
"""

from __future__ import annotations

from pathlib import Path

from sgfmill import sgf
from sgfmill.boards import Board

from edge.board.position import Color, Point, Position
from edge.game.record import main_line

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GAMES = DATA / "games"
IMAGO = DATA / "imago-tests"

REAL_GAMES = [
    "1846-shusaku-gennan-ear-reddening.sgf",  # long ko fight, 60 captured stones
    "1861-yubi-shusaku-castle-game.sgf",
    "1976-otake-ishida-meijin-1.sgf",
]

# White's stone at (3,1) has one liberty, (3,2); Black taking it makes a ko.
KO_START = [
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". B W . . . . . .",
    "B W . W . . . . .",
    ". B W . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
]
KO_TAKE = (3, 2)  # Black takes here, capturing (3, 1)
KO_RETAKE = (3, 1)  # White retakes here, capturing (3, 2)

# Black's stone at (3,4) is in atari; White captures at (3,5).
ATARI_START = [
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . W . . . .",
    ". . . W B . . . .",
    ". . . . W . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
]
ATARI_CAPTURE = (3, 5)
ATARI_VICTIM = (3, 4)

# A game joined in progress: it is Black's position to move or White's -- unknown.
MIDGAME = [
    ". . . . . . . . .",
    ". . B W . . . . .",
    ". . B W . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . W . .",
    ". . B . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
]


def diagram(rows: list[str]) -> Position:
    return Position.from_rows(rows)


def with_stones(
    position: Position, add: dict[Point, Color] | None = None, remove: tuple[Point, ...] | list[Point] = ()
) -> Position:
    stones = dict(position.stones)
    for point in remove:
        del stones[point]
    stones.update(add or {})
    return Position(position.size, stones)


def load_game(name: str) -> tuple[int, list[tuple[Color, Point]]]:
    """A real game's size and moves, points as edge's (row, col) with row 0 at the top."""
    size, moves = main_line((GAMES / name).read_bytes())
    assert all(point is not None for _, point in moves), f"{name} has a pass; these tests assume none"
    return size, moves  # type: ignore[return-value]


def positions_after_moves(size: int, moves: list[tuple[Color, Point]], start: Position | None = None):
    """Yield the board after each move (captures applied), as the camera would see it."""
    board = Board(size)
    for (row, col), color in (start.stones.items() if start else []):
        board.board[row][col] = color
    for color, (row, col) in moves:
        board.play(row, col, color)
        yield Position(size, {p: c for c, p in board.list_occupied_points()})


def imago_position(name: str) -> Position:
    """The expected position of imago frame `name` (e.g. "t2_053"), from its .txt."""
    folder = IMAGO / name.split("_")[0]
    path = folder / f"{name}.txt"
    if not path.exists():
        path = folder / "skip" / f"{name}.txt"
    return Position.from_rows(path.read_text().splitlines())


# Runs of consecutive frames (one move apart) in the imago sequences: (series, first, last).
IMAGO_RUNS = [
    ("t1", 1, 11),  # t1 numbers its frames 1..11 for moves 0..10
    ("t2", 0, 11),
    ("t2", 50, 54),
    ("t2", 75, 79),
    ("t2", 100, 104),
    ("t3", 0, 11),  # t3_001 shows five handicap stones
    ("t3", 50, 51),
]

# Where the expected positions do not differ by exactly one new stone, what the
# frames imply. t2_053.txt lists Black R11 for R10 and misses R9 (the photo shows
# R10 and R9 unchanged): one black move, O4, plus a correction; t2_054.txt has R10
# back beside White's move F3. t3_000 -> t3_001 places five handicap stones.
IMAGO_SPECIAL_MOVES: dict[str, list[tuple[Color, Point]]] = {
    "t2_053": [("b", (15, 12))],
    "t2_054": [("w", (16, 5))],
    "t3_001": [],
}
IMAGO_CORRECTED_FRAMES = {"t2_053", "t2_054"}


def sgf_replay(data: bytes) -> tuple[sgf.Sgf_game, list[tuple[Color, Point | None]], Position, list[str]]:
    """Replay an SGF as a reader would: (game, moves, final position, node comments)."""
    game = sgf.Sgf_game.from_bytes(data)
    size = game.get_size()
    board = Board(size)
    moves: list[tuple[Color, Point | None]] = []
    comments: list[str] = []
    for node in game.get_main_sequence():
        if node.has_setup_stones():
            black, white, empty = node.get_setup_stones()
            board.apply_setup(black, white, empty)
        color, point = node.get_move()
        if color is not None:
            if point is not None:
                board.play(point[0], point[1], color)
            moves.append((color, None if point is None else (size - 1 - point[0], point[1])))
        if node.has_property("C"):
            comments.append(node.get("C"))
    final = Position(size, {(size - 1 - r, c): col for col, (r, c) in board.list_occupied_points()})
    return game, moves, final, comments

# White's twelve stones (rows 0-1, columns 0-5) have one liberty left, (0, 6):
# Black playing there captures all twelve -- more stones than a hand's worth of changes.
BIG_CAPTURE_START = [
    "W W W W W W . . .",
    "W W W W W W B . .",
    "B B B B B B . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
    ". . . . . . . . .",
]
BIG_CAPTURE = (0, 6)
BIG_CAPTURE_VICTIMS = [(r, c) for r in (0, 1) for c in range(6)]
