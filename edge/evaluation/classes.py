"""Which label names mean a black stone, a white stone, or something to ignore.

Labelling tools let people name classes freely; sets in the wild use `black`,
`Black_Stone`, `B`, `white-stone` and so on, plus classes this evaluator does not
score (board corners, empty points, the Roboflow supercategory `stones`).
"""

from __future__ import annotations

import re
from typing import Iterable

from edge.board.position import Color
from edge.errors import BadInputError

CLASS_NAMES: tuple[str, ...] = ("black", "white")
"""Class index -> name, in the order reports list them."""
COLOR_INDEX: dict[Color, int] = {"b": 0, "w": 1}
INDEX_COLOR: tuple[Color, ...] = ("b", "w")

_BLACK = {"black", "b", "blackstone", "black_stone", "black_stones", "stone_black", "stone_b", "black_go_stone"}
_WHITE = {"white", "w", "whitestone", "white_stone", "white_stones", "stone_white", "stone_w", "white_go_stone"}
_IGNORED_WORDS = {
    "board", "boards", "goban", "corner", "corners", "empty", "intersection", "intersections",
    "point", "points", "grid", "hoshi", "star", "stones", "stone", "background", "edge", "none",
}


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def class_color(name: str) -> Color | None:
    """`"b"`/`"w"` for a stone class, None for a class to ignore.

    Raises BadInputError for a name that is neither (callers that know the file
    use `classify_names` for a message naming it).
    """
    kind = _classify(name)
    if kind == "unknown":
        raise BadInputError(f"unknown class name {name!r}: {NAMING_HINT}")
    return kind  # type: ignore[return-value]


NAMING_HINT = (
    "stone classes must be named like black/white, B/W, black_stone/white-stone; "
    "board, corner and empty-point classes are ignored"
)


def _classify(name: str) -> str | None:
    key = _normalise(name)
    if key in _BLACK:
        return "b"
    if key in _WHITE:
        return "w"
    if set(key.split("_")) & _IGNORED_WORDS:
        return None
    return "unknown"


def classify_names(names: Iterable[str]) -> tuple[dict[str, Color | None], list[str]]:
    """Map each name to a colour or None (ignored); also return the unknown names."""
    mapping: dict[str, Color | None] = {}
    unknown: list[str] = []
    for name in names:
        kind = _classify(name)
        if kind == "unknown":
            unknown.append(name)
        else:
            mapping[name] = kind  # type: ignore[assignment]
    return mapping, unknown


def unknown_names_message(where: str, unknown: Iterable[str]) -> str:
    listed = ", ".join(repr(n) for n in sorted(set(unknown)))
    return f"{where}: unknown class names {listed} ({NAMING_HINT})"
