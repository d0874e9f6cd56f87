"""Whole games to film: real professional records and generated ones.

`real_games` reads the three professional game records kept with the project's
data (real games, move for move). Where more games are needed (game following
is measured over 20), `generated_game` plays one with a simple policy whose
games look like real play: an opening on the corners and sides, then moves
near the last ones, contact fights, ataris, captures, escapes and ko fights,
now and then a move elsewhere. Generated games are legal (no suicide, simple
ko) but are not good Go; their names start with "generated-".

Points are edge's `(row, col)`, row 0 at the top as in the SGF diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import cv2
import numpy as np
from sgfmill import boards, sgf, sgf_moves

from edge.board.position import Color, Point, Position, opponent
from edge.errors import BadInputError
from edge.game.rules import IllegalMove, Ko, board_from_position, play_legal, position_from_board, star_points

# The project's real data: ../shared/data beside the repository.
GAMES_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "games"

Move = tuple[Color, Point]


@dataclass(frozen=True)
class PlayedGame:
    """A game's moves, ready to be replayed on a board or filmed.

    `moves` leaves passes out (nothing happens on the board). `setup` holds the
    stones on the board before the first move (handicap stones).
    """

    name: str
    size: int
    moves: tuple[Move, ...]
    setup: Mapping[Point, Color] = field(default_factory=dict)
    real: bool = False
    """True for a record of a game people played, False for a generated one."""
    komi: float = 0.0
    black: str = ""
    white: str = ""

    def prefix(self, count: int) -> "PlayedGame":
        """The game's first `count` moves."""
        if count < 0:
            raise BadInputError(f"move count {count} is negative")
        return PlayedGame(
            self.name, self.size, self.moves[:count], dict(self.setup), self.real, self.komi, self.black, self.white
        )

    def start_position(self) -> Position:
        return Position(self.size, dict(self.setup))

    def replay(self) -> list["PlayedMove"]:
        """Each move played under the rules, with what it captured and the board after it."""
        board = board_from_position(self.start_position())
        ko: Ko | None = None
        out: list[PlayedMove] = []
        for number, (color, point) in enumerate(self.moves, 1):
            try:
                captured, ko = play_legal(board, point, color, ko)
            except IllegalMove as exc:
                raise BadInputError(f"{self.name}: move {number} is illegal: {exc}") from None
            out.append(PlayedMove(color, point, tuple(sorted(captured)), position_from_board(board), ko.point if ko else None))
        return out


@dataclass(frozen=True)
class PlayedMove:
    color: Color
    point: Point
    captured: tuple[Point, ...]
    after: Position
    """The board after this move, captured stones taken off."""
    ko: Point | None = None
    """The point the opponent may not retake at once, when this move took a ko."""


def sgf_point(point: Point) -> str:
    """Edge `(row, col)` as SGF's two letters ("qd"): column first, rows counted from the top."""
    row, col = point
    return chr(ord("a") + col) + chr(ord("a") + row)


def read_sgf(data: bytes, name: str) -> PlayedGame:
    """The main line of an SGF game record (`name` says where it came from)."""
    try:
        game = sgf.Sgf_game.from_bytes(data)
        board, plays = sgf_moves.get_setup_and_moves(game)
        komi = game.get_komi()
    except ValueError as exc:
        raise BadInputError(f"{name} is not a readable SGF game record: {exc}") from None
    size = game.get_size()
    flip = lambda p: (size - 1 - p[0], p[1])  # noqa: E731 - sgfmill counts rows from the bottom
    setup = {flip(p): c for c, p in board.list_occupied_points()}
    moves = tuple((c, flip(p)) for c, p in plays if p is not None)
    return PlayedGame(
        name, size, moves, setup, real=True, komi=float(komi),
        black=game.get_player_name("b") or "", white=game.get_player_name("w") or "",
    )


def real_games(folder: Path = GAMES_DIR) -> list[PlayedGame]:
    """The professional game records in `folder` (real games), sorted by file name."""
    paths = sorted(folder.glob("*.sgf")) if folder.is_dir() else []
    if not paths:
        raise BadInputError(f"no SGF game records in {folder}")
    return [read_sgf(p.read_bytes(), p.stem) for p in paths]


def real_game(key: str | int, folder: Path = GAMES_DIR) -> PlayedGame:
    """One of `real_games`: by index, or by a part of its file name ("castle")."""
    games = real_games(folder)
    if isinstance(key, int) or key.isdigit():
        index = int(key)
        if not 0 <= index < len(games):
            raise BadInputError(f"there is no real game {index}: {len(games)} are at hand (0..{len(games) - 1})")
        return games[index]
    found = [g for g in games if key.lower() in g.name.lower()]
    if len(found) != 1:
        names = ", ".join(g.name for g in games)
        raise BadInputError(f"{'no' if not found else 'more than one'} real game matches {key!r} (have: {names})")
    return found[0]


def game_corpus(count: int = 20, moves: int = 200, folder: Path = GAMES_DIR) -> list[PlayedGame]:
    """`count` games for following tests: the real records first, then generated ones (seeds 1, 2, ...)."""
    real = real_games(folder)[:count]
    return real + [generated_game(seed, moves) for seed in range(1, count - len(real) + 1)]


# --- the playing policy ------------------------------------------------------

# Relative weights of the kinds of candidate moves.
W_CAPTURE = 12.0
W_ESCAPE = 8.0
W_ATARI = 2.5
W_CONTACT = 1.6
W_NEAR = 1.0
W_TENUKI = 12.0
"""Shared by all far-away points together, so a move elsewhere stays occasional."""
OPENING_MOVES = (8, 16)


def generated_game(seed: int, moves: int = 200, size: int = 19, handicap: int = 0) -> PlayedGame:
    """A generated game of `moves` moves (fewer only if the board runs out of sensible moves).

    Black starts, or White after `handicap` (2..9) black stones on the star points.
    """
    if size not in (9, 13, 19):
        raise BadInputError(f"board size {size} is not one of 9, 13, 19")
    if moves < 0:
        raise BadInputError(f"move count {moves} is negative")
    stars = sorted(star_points(size), key=lambda p: (abs(p[0] - size // 2) + abs(p[1] - size // 2)) * -1)
    if handicap and not 2 <= handicap <= min(9, len(stars)):
        raise BadInputError(f"handicap {handicap} is outside 2..{min(9, len(stars))}")
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, size, 0x6A3E5])
    setup: dict[Point, Color] = {p: "b" for p in stars[:handicap]}
    board = board_from_position(Position(size, setup))
    ko: Ko | None = None
    color: Color = "w" if handicap else "b"
    played: list[Move] = []
    opening = int(rng.integers(*OPENING_MOVES)) if size == 19 else int(rng.integers(2, 6))
    while len(played) < moves:
        choice = _choose(board, color, ko, played, opening, rng)
        if choice is None:
            break
        point, ko = choice
        played.append((color, point))
        color = opponent(color)
    return PlayedGame(f"generated-{seed}", size, tuple(played), setup, real=False, komi=0.5 if handicap else 6.5)


def _choose(
    board: boards.Board, color: Color, ko: Ko | None, played: list[Move], opening: int, rng: np.random.Generator
) -> tuple[Point, Ko | None] | None:
    """Pick and play (on `board`) a move for `color`; None when none is sensible."""
    size = board.side
    grid = board.board
    groups = _groups(grid, size)
    occupied = np.array([[v is not None for v in line] for line in grid], np.uint8)
    weights: dict[Point, float] = {}

    def add(point: Point, weight: float) -> None:
        weights[point] = weights.get(point, 0.0) + weight

    if len(played) < opening:
        for point in _opening_points(occupied):
            add(point, 1.0)
    else:
        for stones, libs, owner in groups:
            if owner != color and len(libs) == 1:
                add(next(iter(libs)), W_CAPTURE * min(len(stones), 4))
            elif owner == color and len(libs) == 1:
                add(next(iter(libs)), W_ESCAPE * min(len(stones), 3))
            elif owner != color and len(libs) == 2 and _near(stones, played[-2:], 3):
                for lib in libs:
                    add(lib, W_ATARI)
        recent = [p for _, p in played[-3:]]
        for i, (r0, c0) in enumerate(reversed(recent)):
            scale = 1.0 / (1 + i)
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    r, c = r0 + dr, c0 + dc
                    if (dr or dc) and 0 <= r < size and 0 <= c < size and grid[r][c] is None:
                        contact = abs(dr) + abs(dc) == 1 or (abs(dr) == 1 and abs(dc) == 1)
                        add((r, c), (W_CONTACT if contact else W_NEAR) * scale)
        far = _far_points(occupied)
        for point in far:
            add(point, W_TENUKI / max(len(far), 1))
    if not weights:
        weights = {(r, c): 1.0 for r in range(size) for c in range(size) if grid[r][c] is None}

    points = list(weights)
    p = np.array([weights[q] for q in points])
    while p.sum() > 0:
        index = min(int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right")), len(p) - 1)
        point = points[index]
        p[index] = 0.0  # tried
        if _own_eye(grid, size, point, color):
            continue
        trial = board.copy()
        try:
            captured, new_ko = play_legal(trial, point, color, ko)
        except IllegalMove:
            continue
        # Self-atari is a beginner's mistake: played only when it captures.
        if not captured and len(_liberties(trial.board, size, point)) == 1:
            continue
        play_legal(board, point, color, ko)
        return point, new_ko
    return None


def _groups(grid: list[list[Color | None]], size: int) -> list[tuple[list[Point], set[Point], Color]]:
    seen: set[Point] = set()
    out = []
    for r in range(size):
        for c in range(size):
            owner = grid[r][c]
            if owner is None or (r, c) in seen:
                continue
            stones, libs = [], set()
            stack = [(r, c)]
            seen.add((r, c))
            while stack:
                pr, pc = stack.pop()
                stones.append((pr, pc))
                for nr, nc in ((pr - 1, pc), (pr + 1, pc), (pr, pc - 1), (pr, pc + 1)):
                    if 0 <= nr < size and 0 <= nc < size:
                        v = grid[nr][nc]
                        if v is None:
                            libs.add((nr, nc))
                        elif v == owner and (nr, nc) not in seen:
                            seen.add((nr, nc))
                            stack.append((nr, nc))
            out.append((stones, libs, owner))
    return out


def _liberties(grid: list[list[Color | None]], size: int, point: Point) -> set[Point]:
    owner = grid[point[0]][point[1]]
    libs: set[Point] = set()
    seen = {point}
    stack = [point]
    while stack:
        pr, pc = stack.pop()
        for nr, nc in ((pr - 1, pc), (pr + 1, pc), (pr, pc - 1), (pr, pc + 1)):
            if 0 <= nr < size and 0 <= nc < size:
                v = grid[nr][nc]
                if v is None:
                    libs.add((nr, nc))
                elif v == owner and (nr, nc) not in seen:
                    seen.add((nr, nc))
                    stack.append((nr, nc))
    return libs


def _own_eye(grid: list[list[Color | None]], size: int, point: Point, color: Color) -> bool:
    r, c = point
    for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
        if 0 <= nr < size and 0 <= nc < size and grid[nr][nc] != color:
            return False
    return True


def _near(stones: list[Point], moves: list[Move], distance: int) -> bool:
    return any(abs(r - mr) <= distance and abs(c - mc) <= distance for r, c in stones for _, (mr, mc) in moves)


def _opening_points(occupied: np.ndarray) -> list[Point]:
    """Corner and side points on the 3rd and 4th lines, away from the stones already there."""
    size = len(occupied)
    lines = [2, 3, size - 4, size - 3] if size >= 13 else [2, size - 3]
    middle = [size // 2] if size >= 13 else []
    points = [(r, c) for r in lines for c in lines] + [(r, m) for r in lines for m in middle] + [(m, c) for m in middle for c in lines]
    crowded = _within(occupied, 2)
    return [p for p in points if not crowded[p]]


def _far_points(occupied: np.ndarray) -> list[Point]:
    """Points on the 3rd to 5th lines (anywhere inside them on small boards) with no
    stone within 3 lines: where a move elsewhere goes."""
    size = len(occupied)
    idx = np.arange(size)
    line = np.minimum.outer(np.minimum(idx, size - 1 - idx), np.minimum(idx, size - 1 - idx))
    band = (line >= 2) & ((line <= 4) | (size < 13))
    rows, cols = np.nonzero(band & ~_within(occupied, 3))
    return [(int(r), int(c)) for r, c in zip(rows, cols)]


def _within(occupied: np.ndarray, distance: int) -> np.ndarray:
    """True where a stone is within `distance` lines (either way)."""
    k = 2 * distance + 1
    return cv2.dilate(occupied, np.ones((k, k), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
