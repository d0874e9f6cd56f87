"""Frames in, game events out: the reading path feeding the game follower.

Shared by `goban-edge replay` and the daemon, so that what a replay proves
about a recording is what the appliance does live.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from edge.board.occlusion import OcclusionMeter, board_cells, stone_cells
from edge.capture.base import Frame
from edge.board.position import Position, opponent
from edge.game.events import CorrectionEvent, GameEvent, MoveEvent, UndoEvent
from edge.game.follower import Follower
from edge.game.stabilizer import FrameReading
from edge.reading import BoardReader, FrameResult
from edge.rectify.geometry import RectifiedGeometry
from edge.rectify.warp import Rectifier

LASTING_FRAMES = 20
"""Still frames after which what the occlusion meter settled on may become the board's look though
it differs from the last one: fingers resting at the edge for a moment must not, a lasting change
(a lamp switched on) must, or stones placed since would be taken for the board's change forever."""


@dataclass(frozen=True)
class FrameOutcome:
    result: FrameResult
    occlusion: float
    events: list[GameEvent]


class BoardWatch:
    """One board's readings in, game events out: the occlusion meter in front of the follower.

    Split from the reading so that readings recorded once can be followed
    again (tools/follow_videos.py --cache) exactly as live.
    """

    def __init__(self, follower: Follower, geometry: RectifiedGeometry = RectifiedGeometry()) -> None:
        self.follower = follower
        self.geometry = geometry
        """The rectified square the cells come from."""
        self.occlusion = OcclusionMeter()
        self._looked: Position | None = None  # the stable position when the board's look was last renewed
        # The stable position the look showed before that: a point whose stone changed between the
        # two may have been pictured with the hand that changed it (fingers lifting captured stones
        # rest over them while the board holds still), so its look is trusted only from a later one.
        self._looked_before: Position | None = None

    def recalibrated(self) -> None:
        """New geometry: nothing seen before counts as stable."""
        self.occlusion = OcclusionMeter()
        self._looked = self._looked_before = None
        self.follower.stabilizer.reset()

    def follow(self, timestamp: float, position: Position | None, confidence: np.ndarray | None,
               cells: np.ndarray) -> tuple[float, list[GameEvent]]:
        """Feed one frame's reading and look (`board_cells`); its occlusion and the events."""
        before = self.follower.stable_position
        # The board's own changes are no hand: stones that came or went since its last look (a
        # capture accepted, its stones lifted, in the moment before a calm frame renews the look)
        # and those the rules take away in this reading.
        expected = self._moved(before)
        if position is not None:
            for point in self.follower.explained_removals(position):
                expected[point] = True
        changed = self.occlusion.observe(cells)
        occlusion = float((changed & ~stone_cells(expected, self.geometry)).mean())
        # Quiet: no cell changed but under stones that came or went, since the board's last look
        # or in this reading against the stable position: no hand at all, however few cells it covers.
        quiet = position is not None and before is not None and self._only_stones_changed(changed, before, position)
        events = self.follower.feed(FrameReading(timestamp, position, confidence, occlusion, quiet))
        stable = self.follower.stable_position
        # A still, calm frame that agrees with the stable position becomes the new look of the
        # board, so slow light drift and newly placed stones never read as a hand. Still, not
        # merely calm: a hand coming in covers too little at first to count as one, and taken as
        # the look of the board it would read as a hand once it had gone.
        # Nor may anything have changed but the stones since the last look, whatever the meter
        # settled on, unless the meter has been still for long: a hand held still at the board's
        # edge changes too few cells to count as one.
        calm = occlusion < self.follower.config.occlusion_threshold
        # After long stillness what the meter settled on counts too: the frame's changed cells as
        # observed above, against both references.
        lasting = self.occlusion.still_frames >= LASTING_FRAMES
        since_look = changed if lasting else self.occlusion.changed_from_look(cells)
        if (self.occlusion.still and calm and stable is not None and position == stable
                and self._only_stones_changed(since_look, stable)):
            self.occlusion.set_reference(cells)
            if stable != self._looked:
                self._looked_before, self._looked = self._looked, stable
        return occlusion, events

    def _only_stones_changed(self, changed: np.ndarray, stable: Position, seen: Position | None = None) -> bool:
        """Whether every cell `changed` lies near a point whose stone came or went since the board's
        last look (in `stable`, or in `seen` against it)."""
        return self._looked is None or not (changed & ~stone_cells(self._moved(stable, seen), self.geometry)).any()

    def _moved(self, stable: Position | None, seen: Position | None = None) -> np.ndarray:
        """(size, size): the points whose stone came or went since the board's last look, or
        between the two last positions it showed, in `stable` or in `seen` against it."""
        n = self.follower.config.size
        moved = np.zeros((n, n), dtype=bool)
        if self._looked is None or stable is None:
            return moved
        pairs = [(self._looked, stable), (stable, stable if seen is None else seen)]
        if self._looked_before is not None:
            pairs.append((self._looked_before, self._looked))
        for before, after in pairs:
            for point, _ in before.stones.items() ^ after.stones.items():
                moved[point] = True
        return moved


class GameSession:
    """One board followed frame by frame; `rectifier` can be swapped after recalibration."""

    def __init__(self, reader: BoardReader, follower: Follower, rectifier: Rectifier, size: int,
                 time_offset: float = 0.0) -> None:
        self.reader = reader
        self.rectifier = rectifier
        self.size = size
        self.time_offset = time_offset
        """Added to frame timestamps: recordings run on a frame clock starting at 0."""
        self.watch = BoardWatch(follower, reader.geometry)

    @property
    def follower(self) -> Follower:
        return self.watch.follower

    def recalibrated(self, rectifier: Rectifier) -> None:
        """The board or camera moved: new geometry, and nothing seen before counts as stable."""
        self.rectifier = rectifier
        self.watch.recalibrated()

    def process(self, frame: Frame) -> FrameOutcome:
        result = self.reader.read(frame.image, self.rectifier, self.size)
        occlusion, events = self.watch.follow(
            frame.timestamp + self.time_offset, result.reading.position, result.reading.confidence,
            board_cells(result.rectified, self.size))
        return FrameOutcome(result, occlusion, events)


def move_message(event: GameEvent, follower: Follower, size: int) -> dict[str, Any] | None:
    """The `move` topic's event for a game event (None for events that only change `state`).

    Undo and correction both publish the board as it now stands, so a
    subscriber that missed nothing and one that missed a lot converge.
    """
    game_id = follower.game_id or "none"
    if isinstance(event, MoveEvent):
        base = {"game_id": game_id, "size": size, "move_number": event.number, "color": event.color}
        if event.point is None:
            return {**base, "kind": "pass"}
        message = {**base, "kind": "move", "point": list(event.point), "captured": [list(p) for p in event.captures]}
        if event.inferred_order:
            message["inferred_order"] = True
        return message
    if isinstance(event, (CorrectionEvent, UndoEvent)):
        return {"game_id": game_id, "size": size, "move_number": follower.move_number, "kind": "correction",
                "rows": follower.position.rows()}
    return None


def state_message(follower: Follower, size: int) -> dict[str, Any]:
    """The retained `state` topic: everything a late subscriber needs to draw the board."""
    last = follower.last_move
    to_play = follower.to_play or (opponent(last.color) if last else "b")
    return {
        "game_id": follower.game_id or "none",
        "size": size,
        "rows": follower.position.rows(),
        "move_number": follower.move_number,
        "to_play": to_play,
        "prisoners": {"b": follower.prisoners.get("b", 0), "w": follower.prisoners.get("w", 0)},
        "last_move": None if last is None else {"color": last.color, "point": None if last.point is None else list(last.point)},
    }


def event_line(event: GameEvent) -> dict[str, Any]:
    """`replay --json-events`: one JSON object per event, every field of the dataclass."""
    data = asdict(event)
    data.pop("position", None)
    return {"event": type(event).__name__.removesuffix("Event").lower(), **data}
