"""The game stage: noisy per-frame readings -> stable positions -> moves -> SGF record."""

from edge.game.config import GameConfig
from edge.game.events import (
    CorrectionEvent,
    EndGameEvent,
    GameEvent,
    MoveEvent,
    NewGameEvent,
    UndoEvent,
)
from edge.game.follower import Follower
from edge.game.record import GameRecord, SgfWriter
from edge.game.stabilizer import FrameReading, Stabilizer, StableChange
from edge.game.tracker import GameTracker

__all__ = [
    "CorrectionEvent",
    "EndGameEvent",
    "Follower",
    "FrameReading",
    "GameConfig",
    "GameEvent",
    "GameRecord",
    "GameTracker",
    "MoveEvent",
    "NewGameEvent",
    "SgfWriter",
    "Stabilizer",
    "StableChange",
    "UndoEvent",
]
