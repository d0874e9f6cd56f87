"""Settings of game following: stability of readings, the rules' search bounds, the record.

The daemon's pydantic configuration builds a `GameConfig`; everything in
`edge.game` takes one and reads nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from edge.errors import ConfigError


@dataclass(frozen=True)
class GameConfig:
    """How to follow a game and what to write in its record.

    Stability: a point's new reading is accepted once it has been read the same
    way in `stable_frames` frames, over at least `stable_seconds`, with summed
    confidence of at least `stable_frames * confident_level` (so a point read at
    confidence 0.5 needs about twice as many frames as one read at 1.0); the frame
    that accepts it must itself read the point at `confident_level` or more, unless
    the run has lasted twice `stable_frames`. A run of `stable_frames` readings
    that are each at least `steady_level` is accepted at once, whatever their
    sum: a stone lying on the board reads alike from frame to frame, a stone
    still in a hand comes and goes. Frames held back in between (a hand) break
    such a run, and a stone's going, but not a new stone's summed readings.
    Where frames are marked quiet (nothing but stones changed on the board: no
    hand at all), a new stone is accepted only on a quiet frame, and one of the
    colour to play on an empty point, read in `stable_frames` quiet frames in a
    row, needs each reading to reach only `expected_level`: it is the move the
    game waits for, and a stone still in a hand is never read in quiet frames.
    Once that stone is steady, so is a run of the other colour's reply (a quick
    double move). Such a stone read at `confident_level` or more in the last
    `quiet_frames` frames, every one quiet, is accepted then, before `stable_frames`:
    with no hand anywhere over the board nothing carried or hid it (`quiet_frames`
    at or above `stable_frames`: no such shortcut).
    Readings below `ignore_confidence` carry no vote at all, nor, for a new stone,
    empty readings with a detection of that score or more there (see the stabilizer).
    A frame is held back (not read) when its occlusion estimate exceeds
    `occlusion_threshold`, or when more than `max_jump` points differ from the
    stable position at once, each counted by its confidence (a hand over the
    board) -- unless such a jump holds, self-consistent, for `jump_frames`
    frames (the board really changed).

    `hidden_stone_frames` (0: off): while following a game, a stone that
    leaves the board for no reason the rules know (not a capture) is believed
    gone only after that many frames; fewer, and it was probably hidden by an
    arm the occlusion estimate missed (a hand reaching in over the board's edge
    covers edge stones while changing too few cells to count as a hand). Off,
    it goes like any other change: right for a series of still photos.
    """

    size: int = 19
    komi: float = 6.5
    black_player: str = ""
    white_player: str = ""
    event: str = ""
    sgf_dir: Path | None = None
    stable_frames: int = 3
    stable_seconds: float = 0.0
    confident_level: float = 0.5
    steady_level: float = 0.4
    expected_level: float = 0.3
    quiet_frames: int = 2
    ignore_confidence: float = 0.15
    max_jump: int = 6
    jump_frames: int = 10
    occlusion_threshold: float = 0.02
    """Matches `edge.board.occlusion.OcclusionMeter`, whose estimate is the share of board cells changed."""
    hidden_stone_frames: int = 10
    # Bound of the search over move orders when several stones appear at once:
    # permutations of up to this many new stones are tried.
    max_search_stones: int = 6
    # How many moves back a take-back may reach (the position must match exactly).
    max_undo: int = 2
    unexplained_wait: float = 2.0
    """Seconds a change that no legal sequence of moves explains waits for the next change
    before it is recorded with corrections: a weakly seen move that settles a moment later
    (a stone out of turn usually means the other colour's move is still settling) then
    makes the whole change legal. 0 records corrections at once."""

    def __post_init__(self) -> None:
        if not 2 <= self.size <= 25:
            raise ConfigError(f"game.size {self.size} is outside 2..25")
        if not math.isfinite(self.komi):
            raise ConfigError(f"game.komi {self.komi} is not a finite number")
        if self.stable_frames < 1:
            raise ConfigError(f"game.stable_frames {self.stable_frames} must be at least 1")
        if self.stable_seconds < 0:
            raise ConfigError(f"game.stable_seconds {self.stable_seconds} must not be negative")
        if not 0.0 < self.confident_level <= 1.0:
            raise ConfigError(f"game.confident_level {self.confident_level} is outside (0, 1]")
        if not 0.0 < self.steady_level <= 1.0:
            raise ConfigError(f"game.steady_level {self.steady_level} is outside (0, 1]")
        if not 0.0 < self.expected_level <= self.steady_level:
            raise ConfigError(
                f"game.expected_level {self.expected_level} is outside (0, steady_level {self.steady_level}]"
            )
        if self.quiet_frames < 1:
            raise ConfigError(f"game.quiet_frames {self.quiet_frames} must be at least 1")
        if not 0.0 <= self.ignore_confidence < 1.0:
            raise ConfigError(f"game.ignore_confidence {self.ignore_confidence} is outside [0, 1)")
        if self.max_jump < 1:
            raise ConfigError(f"game.max_jump {self.max_jump} must be at least 1")
        if self.jump_frames < self.stable_frames:
            raise ConfigError(
                f"game.jump_frames {self.jump_frames} must be at least stable_frames ({self.stable_frames})"
            )
        if self.hidden_stone_frames and self.hidden_stone_frames < self.stable_frames:
            raise ConfigError(
                f"game.hidden_stone_frames {self.hidden_stone_frames} must be 0 (off)"
                f" or at least stable_frames ({self.stable_frames})"
            )
        if not 0.0 < self.occlusion_threshold <= 1.0:
            raise ConfigError(f"game.occlusion_threshold {self.occlusion_threshold} is outside (0, 1]")
        if not 1 <= self.max_search_stones <= 8:
            raise ConfigError(f"game.max_search_stones {self.max_search_stones} is outside 1..8")
        if not 0.0 <= self.unexplained_wait <= 600.0:
            raise ConfigError(f"game.unexplained_wait {self.unexplained_wait} is outside 0..600 seconds")
        if self.max_undo < 0:
            raise ConfigError(f"game.max_undo {self.max_undo} must not be negative")
        if self.sgf_dir is not None and not isinstance(self.sgf_dir, Path):
            object.__setattr__(self, "sgf_dir", Path(self.sgf_dir))
