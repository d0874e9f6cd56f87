"""How well readings of whole boards match the labelled positions.

A single photo does not say which corner is A1, so unless a set declares its
orientation fixed, a reading is compared with the label under each of the board's
8 symmetries and the best one counts (the first of equals, identity first).
A reading that failed or has the wrong board size counts every intersection of
that image as wrong; the confusion matrix covers the boards that were read.
Points the label marks hidden (a stone under a hand) are not scored at all.

Where a set gives the boards' true corners, each reading's corners are checked
against them: a board found within `FOUND_WITHIN` grid spacings at every corner
puts every stone on its own intersection, so the accuracy on those boards is the
reading's alone, apart from where board finding put the grid.

In a set of fixed orientation the label starts at the corner nearest the image's
top-left. Where another corner lies as near within what the reading's corner
error can tell apart, the convention names either, and a board found where it is
is also compared turned to start there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from calibration.corners import order_corners
from edge.board.position import Color, Point, Position

STATES: tuple[str, ...] = ("empty", "black", "white")
_CODE: dict[Color, int] = {"b": 1, "w": 2}
_COLUMN_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
FOUND_WITHIN = 0.3
"""Largest corner error, in grid spacings, of a board found where it is."""


@dataclass(frozen=True)
class PointError:
    row: int
    col: int
    expected: Color | None
    got: Color | None

    def label(self, size: int) -> str:
        """A1-style name, as `Position.diagram` prints it (no I column)."""
        return f"{_COLUMN_LETTERS[self.col]}{size - self.row}"


@dataclass(frozen=True)
class BoardResult:
    """One image's reading against its label."""

    image: Path
    expected: Position
    got: Position | None
    """The reading, turned by `symmetry` to line up with the label; None if it failed."""
    symmetry: int
    """Index into `Position.symmetries()` applied to the reading (0: as read)."""
    errors: tuple[PointError, ...]
    failure: str | None = None
    """Why no comparable reading exists (reader error, wrong board size)."""
    hidden: frozenset[Point] = frozenset()
    """Points of `expected` the photo cannot show: not scored."""
    corner_error: float | None = None
    """Largest distance from a found corner to the true one, in grid spacings
    (inf: no board read; None: the set gives no true corners)."""

    @property
    def found_where_it_is(self) -> bool:
        return self.failure is None and self.corner_error is not None and self.corner_error <= FOUND_WITHIN

    @property
    def correct(self) -> bool:
        return self.failure is None and not self.errors

    @property
    def scored_points(self) -> int:
        return self.expected.size**2 - len(self.hidden)

    @property
    def wrong_points(self) -> int:
        return self.scored_points if self.failure is not None else len(self.errors)


@dataclass(frozen=True)
class BoardMetrics:
    images: int
    boards_read: int
    exact_matches: int
    intersections: int
    correct_intersections: int
    hidden_points: int
    """Points labelled hidden, left out of `intersections`."""
    corners_checked: int
    """Images whose true corners the set gives."""
    found_where_it_is: int
    """Of those, boards read with every corner within `FOUND_WITHIN` spacings of the truth."""
    found_intersections: int
    found_correct_intersections: int
    """Scored and right intersections on the boards found where they are."""
    confusion: tuple[tuple[int, int, int], ...]
    """Rows: expected empty/black/white; columns: read empty/black/white."""
    fixed_orientation: bool
    results: tuple[BoardResult, ...]

    @property
    def exact_match_rate(self) -> float | None:
        return self.exact_matches / self.images if self.images else None

    @property
    def intersection_accuracy(self) -> float | None:
        return self.correct_intersections / self.intersections if self.intersections else None

    @property
    def found_intersection_accuracy(self) -> float | None:
        return self.found_correct_intersections / self.found_intersections if self.found_intersections else None


def grid(position: Position) -> np.ndarray:
    """(size, size) int8: 0 empty, 1 black, 2 white."""
    out = np.zeros((position.size, position.size), dtype=np.int8)
    for (row, col), color in position.stones.items():
        out[row, col] = _CODE[color]
    return out


def compare_board(
    image: Path,
    expected: Position,
    got: Position | None,
    *,
    fixed_orientation: bool,
    failure: str | None = None,
    hidden: frozenset[Point] = frozenset(),
    true_corners: np.ndarray | None = None,
    found_corners: np.ndarray | None = None,
) -> BoardResult:
    if failure is None and got is None:
        failure = "no position read"
    if failure is None and got is not None and got.size != expected.size:
        failure = f"read a {got.size}x{got.size} board, labelled {expected.size}x{expected.size}"
    if failure is not None or got is None:
        return BoardResult(image, expected, None, 0, (), failure, hidden,
                           corner_error=None if true_corners is None else math.inf)
    error = None
    if true_corners is not None and found_corners is not None:
        error = corner_error(found_corners, true_corners, expected.size)
    want = grid(expected)
    scored = _scored(expected.size, hidden)
    symmetries = got.symmetries()
    turns = list(range(len(symmetries)))
    if fixed_orientation:
        turns = [0]
        if error is not None and error <= FOUND_WITHIN:
            turns = _convention_starts(true_corners, error, expected.size)  # type: ignore[arg-type]
    grids = np.stack([grid(symmetries[k]) for k in turns])
    wrong = ((grids != want[None]) & scored[None]).reshape(len(turns), -1).sum(axis=1)
    best = int(np.argmin(wrong))
    aligned = symmetries[turns[best]]
    names: dict[int, Color | None] = {0: None, 1: "b", 2: "w"}
    errors = tuple(
        PointError(int(r), int(c), names[int(want[r, c])], names[int(grids[best][r, c])])
        for r, c in np.argwhere((grids[best] != want) & scored)
    )
    return BoardResult(image, expected, aligned, turns[best], errors, hidden=hidden, corner_error=error)


def _convention_starts(true: np.ndarray, error: float, size: int) -> list[int]:
    """The rotations (`Position.symmetries` indices 0-3) to compare a reading in: one for each true
    corner no farther from the image's top-left than the label's first by more than found corners
    `error` spacings off can change. A reading started one corner on, clockwise, is the label
    turned a quarter anticlockwise, which rotation 1 undoes."""
    ordered = order_corners(true)
    reach = np.hypot(ordered[:, 0], ordered[:, 1])
    return [k for k in range(4) if reach[k] - reach[0] <= 2.0 * error * _spacing(ordered, size)]


def corner_error(found: np.ndarray, true: np.ndarray, size: int) -> float:
    """Largest corner distance in grid spacings, for the best pairing of the two
    quadrilaterals' corners (either may start at any corner, in either direction)."""
    found = np.asarray(found, dtype=np.float64).reshape(4, 2)
    true = np.asarray(true, dtype=np.float64).reshape(4, 2)
    spacing = _spacing(true, size)
    orders = [np.roll(found, k, axis=0) for k in range(4)]
    orders += [np.roll(found[::-1], k, axis=0) for k in range(4)]
    return min(float(np.linalg.norm(o - true, axis=1).max()) for o in orders) / max(spacing, 1e-9)


def _spacing(corners: np.ndarray, size: int) -> float:
    """A grid's mean spacing in pixels from its four outer corners, in ring order."""
    return float(np.mean(np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1))) / max(size - 1, 1)


def _scored(size: int, hidden: frozenset[Point]) -> np.ndarray:
    mask = np.ones((size, size), dtype=bool)
    for row, col in hidden:
        mask[row, col] = False
    return mask


def board_metrics(results: Sequence[BoardResult], *, fixed_orientation: bool) -> BoardMetrics:
    confusion = np.zeros((3, 3), dtype=np.int64)
    intersections = correct = 0
    found = [r for r in results if r.found_where_it_is]
    for r in results:
        intersections += r.scored_points
        if r.failure is not None or r.got is None:
            continue
        scored = _scored(r.expected.size, r.hidden)
        want, got = grid(r.expected), grid(r.got)
        np.add.at(confusion, (want[scored], got[scored]), 1)
        correct += r.scored_points - len(r.errors)
    return BoardMetrics(
        images=len(results),
        boards_read=sum(1 for r in results if r.failure is None),
        exact_matches=sum(1 for r in results if r.correct),
        intersections=intersections,
        correct_intersections=correct,
        hidden_points=sum(len(r.hidden) for r in results),
        corners_checked=sum(1 for r in results if r.corner_error is not None),
        found_where_it_is=len(found),
        found_intersections=sum(r.scored_points for r in found),
        found_correct_intersections=sum(r.scored_points - len(r.errors) for r in found),
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),  # type: ignore[misc]
        fixed_orientation=fixed_orientation,
        results=tuple(results),
    )


def inverse_symmetry(index: int) -> int:
    """The symmetry that undoes `Position.symmetries()[index]`."""
    # Rotations by 90 and 270 degrees undo each other; the rest are their own inverse.
    return {1: 3, 3: 1}.get(index, index)
