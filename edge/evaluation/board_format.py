"""Board-position sets: each image has a label beside it with the same name.

* `NAME.txt`: `size` rows of `.`/`B`/`W` tokens (spaces between tokens optional),
  top row first, as in the Imago test suite; `?` marks a point the photo cannot
  show (a stone under a hand): it is not scored;
* `NAME.sgf`: a game record whose final position (main line, captures applied)
  is the label, for photos taken at the end of a game or at a known move.

`NAME.corners.json` beside an image, when present, holds the board's true outer
grid corners (`[[x, y], ...]`, 4 points, image pixels): the evaluation then also
says whether the board was found where it is.

Folders are searched recursively, so subsets (t1/, t2/skip/) all count. A set
whose photos all show the board the way the labels are written may say so with
an empty file named `fixed-orientation` in its root; readings are then not
compared up to the board's symmetries.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from edge.board.position import Color, Point, Position
from edge.errors import BadInputError
from edge.evaluation.problems import ProblemLog
from edge.evaluation.samples import Sample
from edge.evaluation.yolo_format import IMAGE_SUFFIXES

FIXED_ORIENTATION_MARKER = "fixed-orientation"
LABEL_SUFFIXES = (".txt", ".sgf")
CORNERS_SUFFIX = ".corners.json"
_NOT_LABELS = {"readme", "license", "licence", "notes", "source", "classes", "changelog"}
_TOKENS: dict[str, Color | None] = {".": None, "+": None, "B": "b", "W": "w"}
HIDDEN = "?"

BoardLabel = tuple[Position, frozenset[Point]]
"""A labelled position and the points it leaves unsaid (hidden in the photo)."""


def read_board_txt(path: Path) -> BoardLabel:
    """A position from rows of `.`/`B`/`W`/`?`; BadInputError naming the line at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read ({exc})") from None
    rows = [(n, "".join(line.split())) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not rows:
        raise BadInputError(f"{path}: empty board file")
    size = len(rows)
    if not 2 <= size <= 25:
        raise BadInputError(f"{path}: {size} rows; a board has 2 to 25 (9, 13 or 19 usually)")
    lengths = {len(r) for _, r in rows}
    if len(lengths) == 1 and size not in lengths:
        raise BadInputError(
            f"{path}: {size} rows of {lengths.pop()} points; a board has as many rows as points per row"
        )
    stones: dict[Point, Color] = {}
    hidden: set[Point] = set()
    for r, (line_no, row) in enumerate(rows):
        if len(row) != size:
            raise BadInputError(f"{path} line {line_no}: row has {len(row)} points, expected {size}")
        for c, token in enumerate(row):
            if token == HIDDEN:
                hidden.add((r, c))
                continue
            if token not in _TOKENS:
                raise BadInputError(
                    f"{path} line {line_no} point {c + 1}: unknown token {token!r} (expected . B W ?)"
                )
            color = _TOKENS[token]
            if color is not None:
                stones[(r, c)] = color
    return Position(size, stones), frozenset(hidden)


def read_sgf_position(path: Path) -> Position:
    """The final position of an SGF game's main line, with captures applied."""
    from sgfmill import sgf, sgf_moves

    try:
        game = sgf.Sgf_game.from_bytes(path.read_bytes())
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read ({exc})") from None
    except ValueError as exc:
        raise BadInputError(f"{path}: not a valid SGF file ({exc})") from None
    try:
        board, plays = sgf_moves.get_setup_and_moves(game)
    except ValueError as exc:
        raise BadInputError(f"{path}: bad setup ({exc})") from None
    for number, (colour, move) in enumerate(plays, start=1):
        if move is None:
            continue
        row, col = move
        try:
            board.play(row, col, colour)
        except ValueError:
            raise BadInputError(
                f"{path} move {number}: {colour.upper()} plays on the occupied point {_sgf_point(move, board.side)}"
            ) from None
    size = board.side
    # sgfmill counts rows from the bottom; Position's row 0 is the top line.
    stones = {(size - 1 - r, c): colour for colour, (r, c) in board.list_occupied_points()}
    return Position(size, stones)


def _sgf_point(move: tuple[int, int], size: int) -> str:
    row, col = move
    letters = "abcdefghijklmnopqrstuvwxyz"
    return f"{letters[col]}{letters[size - 1 - row]}"


def read_corners(path: Path) -> np.ndarray:
    """(4, 2) corners from a `NAME.corners.json`; BadInputError naming the file."""
    try:
        corners = np.asarray(json.loads(path.read_text(encoding="utf-8")), dtype=np.float64)
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise BadInputError(f"{path}: cannot read corners ({exc})") from None
    if corners.shape != (4, 2) or not np.isfinite(corners).all():
        raise BadInputError(f"{path}: corners must be 4 [x, y] pairs of numbers")
    return corners


def read_position(path: Path) -> BoardLabel:
    return (read_sgf_position(path), frozenset()) if path.suffix.lower() == ".sgf" else read_board_txt(path)


def _is_label(path: Path) -> bool:
    return path.suffix.lower() in LABEL_SUFFIXES and path.stem.lower() not in _NOT_LABELS


def find_label(image: Path) -> Path | None:
    for suffix in LABEL_SUFFIXES:
        for candidate in (image.with_suffix(suffix), image.with_suffix(suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


def is_board_set(root: Path) -> bool:
    return root.is_dir() and any(
        p.suffix.lower() in IMAGE_SUFFIXES and find_label(p) is not None for p in root.rglob("*")
    )


def load_board_dataset(root: Path, *, skip_bad: bool) -> tuple[list[Sample], list[str], list[str]]:
    """Samples of a board set, with the problems skipped and the notes."""
    if not root.is_dir():
        raise BadInputError(f"{root}: a board set is a folder of images with .txt or .sgf labels")
    problems = ProblemLog(skip_bad)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    image_stems = {p.with_suffix("") for p in images}
    samples: list[Sample] = []
    unlabelled = 0
    for image in images:
        label = find_label(image)
        if label is None:
            unlabelled += 1
            continue
        corners_file = image.with_suffix(CORNERS_SUFFIX)
        try:
            position, hidden = read_position(label)
            corners = read_corners(corners_file) if corners_file.is_file() else None
        except BadInputError as exc:
            problems.report(str(exc))
            continue
        samples.append(Sample(image=image, label=label, position=position, hidden=hidden, corners=corners))
    for label in files:
        if _is_label(label) and label.with_suffix("") not in image_stems:
            problems.report(f"{label}: no image beside it named {label.stem}.jpg/.png/...")
    notes = [f"{root}: {unlabelled} images without a .txt or .sgf label skipped"] if unlabelled else []
    return samples, problems.problems, notes
