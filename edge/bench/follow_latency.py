"""Board-follow latency: from the hand leaving the board to the move coming out.

The recording's truth file says, frame by frame, how many moves have been
placed (`move_index`) and whether a hand covers the board (`occluded`). Move k
is physically done at the first calm frame (not occluded) whose move_index is
at least k; the follower's latency is the number of frames from there to the
frame whose processing produced MoveEvent k. Two moves placed under one hand
share a calm frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from edge.bench.stats import Summary, summarize
from edge.errors import BadInputError


@dataclass(frozen=True)
class RecordingTruth:
    fps: float
    occluded: tuple[bool, ...]
    move_index: tuple[int, ...]
    moves: int
    """Moves in the recorded game."""

    @classmethod
    def load(cls, path: Path) -> "RecordingTruth":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            frames = sorted(data["frames"], key=lambda f: int(f["index"]))
            if [int(f["index"]) for f in frames] != list(range(len(frames))):
                raise ValueError("frame indices are not 0..n-1")
            return cls(
                fps=float(data["fps"]),
                occluded=tuple(bool(f["occluded"]) for f in frames),
                move_index=tuple(int(f["move_index"]) for f in frames),
                moves=len(data["game"]["moves"]),
            )
        except FileNotFoundError:
            raise BadInputError(f"truth file {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadInputError(f"truth file {path} is not a recording truth file: {exc}") from None

    def calm_frames(self, frames: int | None = None) -> dict[int, int]:
        """Move number -> first calm frame with that move on the board, within the first `frames` frames."""
        limit = len(self.occluded) if frames is None else min(frames, len(self.occluded))
        out: dict[int, int] = {}
        for f in range(limit):
            if self.occluded[f]:
                continue
            for k in range(len(out) + 1, self.move_index[f] + 1):
                out[k] = f
        return out


@dataclass(frozen=True)
class FollowLatency:
    moves_done: int
    """Moves completed (hand gone) within the frames read."""
    moves_followed: int
    """Of those, moves whose MoveEvent came out."""
    frames: Summary
    ms: Summary
    """`frames` at the recording's frame rate."""
    fps: float

    def to_dict(self) -> dict[str, Any]:
        return {"moves_done": self.moves_done, "moves_followed": self.moves_followed,
                "frames": self.frames.to_dict(), "ms": self.ms.to_dict(), "recording_fps": self.fps}


def follow_latency(calm: Mapping[int, int], event_frames: Mapping[int, int], fps: float) -> FollowLatency:
    """`calm`: move number -> calm frame; `event_frames`: move number -> frame whose processing emitted it."""
    delays: Sequence[int] = [event_frames[k] - f for k, f in sorted(calm.items()) if k in event_frames]
    return FollowLatency(
        moves_done=len(calm), moves_followed=len(delays),
        frames=summarize(delays), ms=summarize(d * 1000.0 / fps for d in delays), fps=fps,
    )
