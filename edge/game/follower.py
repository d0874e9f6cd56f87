"""Game following in one object: frame readings in, game events out, SGF kept on disk.

`Follower.feed` runs a reading through the `Stabilizer`; when the stable
position changes, the `GameTracker` turns it into events, which update the
game's `GameRecord`; the record is rewritten atomically after every batch of
events, so a power cut loses at most the move being seen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from edge.board.position import Color, Point, Position
from edge.game.config import GameConfig
from edge.game.events import GameEvent, MoveEvent, NewGameEvent
from edge.game.record import GameRecord, SgfWriter
from edge.game.stabilizer import FrameReading, Stabilizer, StableChange
from edge.game.tracker import GameTracker

log = logging.getLogger(__name__)


class Follower:
    """Stabilizer + GameTracker + GameRecord, driven one frame at a time."""

    def __init__(self, config: GameConfig) -> None:
        self.config = config
        self.tracker = GameTracker(config)
        # The tracker tells the stabilizer which vanished stones were captured, so that a
        # big capture is not held back as if a hand covered the board, and whose move it is,
        # so that a weakly read stone of that colour is published in time.
        self.stabilizer = Stabilizer(
            config, explained=self.tracker.explained_removals, to_play=lambda: self.tracker.to_play
        )
        self.writer = SgfWriter(config.sgf_dir) if config.sgf_dir is not None else None
        self.record: GameRecord | None = None
        self.last_change: StableChange | None = None
        self.last_path: Path | None = None
        self.write_error: OSError | None = None

    # -- state -------------------------------------------------------------------

    def explained_removals(self, seen: Position) -> set[Point]:
        """Points whose stone `seen` lacks because the rules took it (`GameTracker.explained_removals`)."""
        return self.tracker.explained_removals(seen)

    @property
    def position(self) -> Position:
        """The game's board (captures applied), not the raw stable reading."""
        return self.tracker.position

    @property
    def stable_position(self) -> Position | None:
        return self.stabilizer.position

    @property
    def to_play(self) -> Color | None:
        return self.tracker.to_play

    @property
    def prisoners(self) -> dict[Color, int]:
        return self.tracker.prisoners

    @property
    def move_number(self) -> int:
        return self.tracker.move_number

    @property
    def game_id(self) -> str | None:
        return self.tracker.game_id

    @property
    def last_move(self) -> MoveEvent | None:
        return self.tracker.last_move

    def sgf_bytes(self) -> bytes | None:
        return None if self.record is None else self.record.sgf_bytes()

    # -- driving -------------------------------------------------------------------

    def feed(self, reading: FrameReading) -> list[GameEvent]:
        change = self.stabilizer.update(reading)
        if change is None:
            return self._handle(self.tracker.recheck(reading.timestamp))
        self.last_change = change
        return self._handle(
            self.tracker.observe(change.position, change.timestamp, change.first_seen, change.glimpsed)
        )

    def new_game(self, timestamp: float | None = None) -> list[GameEvent]:
        return self._handle(self.tracker.new_game(timestamp))

    def end_game(self, timestamp: float | None = None) -> list[GameEvent]:
        return self._handle(self.tracker.end_game(timestamp))

    def set_players(self, black: str, white: str) -> None:
        self.tracker.set_players(black, white)
        if self.record is not None:
            self.record.set_players(black, white)
            self._write(self.record)

    # -- internals -------------------------------------------------------------------

    def _handle(self, events: list[GameEvent]) -> list[GameEvent]:
        if not events:
            return events
        touched: list[GameRecord] = []
        batch: list[GameEvent] = []
        for event in [*events, None]:
            if event is not None and not isinstance(event, NewGameEvent):
                batch.append(event)
                continue
            if batch and self.record is not None:
                self.record.apply(batch, self.tracker.position)
                touched.append(self.record)
            batch = []
            if isinstance(event, NewGameEvent):
                black, white = self.tracker.players
                self.record = GameRecord(
                    self.config, event.game_id, event.timestamp, event.position, event.handicap, black, white
                )
                touched.append(self.record)
        for record in dict.fromkeys(touched):
            self._write(record)
        return events

    def _write(self, record: GameRecord) -> None:
        if self.writer is None:
            return
        path = self.writer.path_for(record.game_id)
        if record.is_blank and not path.exists():
            return  # no file for games in which nothing happened (an empty board at start-up)
        try:
            self.last_path = self.writer.write(record)
            self.write_error = None
        except OSError as exc:
            # Keep following: the previous file is intact and the next event rewrites it whole.
            self.write_error = exc
            log.warning("could not write %s: %s", path, exc)
