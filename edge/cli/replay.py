"""`goban-edge replay SOURCE --sgf OUT.sgf`: a recorded game through the full pipeline, offline.

Every frame is read (none dropped, no real-time pacing), so a replay is
deterministic: the same recording always gives the same SGF. The board comes
from `--calibration`, `--corners`, or is found in the first frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

from calibration.corner_model import CornerModel
from calibration.store import Calibration, load
from edge.atomic import atomic_write_bytes
from edge.board.mapping import MappingParams
from edge.board.position import Position, symmetry_maps
from edge.capture.base import Frame
from edge.capture.folder import FolderSource
from edge.capture.opencv import OpenCvSource
from edge.cli.args import board_size
from edge.cli.read import locate_and_read
from edge.config import AppConfig
from edge.config.load import game_config
from edge.config.model import GameSection
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.errors import BadInputError, GobanError
from edge.follow import GameSession, event_line
from edge.game.config import GameConfig
from edge.game.events import GameEvent
from edge.game.follower import Follower
from edge.game.stabilizer import FrameReading
from edge.photo import read_photo
from edge.reading import BoardReader


def stills_config(config: GameConfig) -> GameConfig:
    """Following a series of still photos, one per move: a photo is a settled view, so one
    reading of it is the evidence, every stone the reader places counts (its score threshold),
    and nothing is still settling or hidden by an arm."""
    return dataclasses.replace(config, stable_frames=1, stable_seconds=0.0,
                               confident_level=MappingParams().score_threshold,
                               hidden_stone_frames=0, unexplained_wait=0.0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="follow a recorded game (image folder or video) and write its SGF")
    p.add_argument("source", type=Path, help="image folder (sorted) or video file")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--calibration", type=Path, help="calibration JSON from goban-calibrate")
    where.add_argument("--corners", help='outer grid corners "x,y x,y x,y x,y"')
    p.add_argument("--size", type=board_size, help="board size (default: from the calibration or detected)")
    p.add_argument("--sgf", type=Path, required=True, help="where to write the game record")
    p.add_argument("--json-events", action="store_true", help="print each move and correction as a JSON line")
    p.add_argument("--fps", type=float, default=10.0, help="frame rate of an image folder")
    p.add_argument("--stills", action="store_true",
                   help="the folder holds one still photo per move (hands away), not video frames: each "
                        "photo is taken as it reads, and found afresh unless --calibration/--corners")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--komi", type=float, default=6.5)
    p.add_argument("--black", default="")
    p.add_argument("--white", default="")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.source.is_dir():
        source = FolderSource(args.source, fps=args.fps)
    elif args.source.is_file():
        source = OpenCvSource(str(args.source))
    else:
        raise BadInputError(f"{args.source}: no such image folder or video file")
    source.open()
    try:
        return _replay(args, source)
    finally:
        source.close()


def _replay(args: argparse.Namespace, source) -> int:
    first = source.read()
    if first is None:
        raise BadInputError(f"{args.source} holds no frames")
    # Loaded once: photo series find the board afresh in every photo.
    corner_model = None if (args.calibration or args.corners) else CornerModel.load()
    reader = BoardReader(StoneDetector.load(args.model, delegate="cpu", threads=2, score_threshold=0.1))
    if args.calibration:
        calibration: Calibration = load(args.calibration)
    else:
        calibration = locate_and_read(first.image, reader, args.size, args.corners, str(args.source), corner_model)[0]
    size = args.size or calibration.board_size
    settings = AppConfig().model_copy(update={"game": GameSection(komi=args.komi, black=args.black, white=args.white)})
    # The record goes to --sgf only, not to the daemon's game directory.
    config = dataclasses.replace(game_config(settings, size), sgf_dir=None)
    if args.stills:
        config = stills_config(config)
    follower = Follower(config)
    offset = time.time()
    if args.stills:
        fixed = calibration if (args.calibration or args.corners) else None
        step = functools.partial(_still_events, reader, follower, fixed, corner_model, size, offset, str(args.source))
    else:
        session = GameSession(reader, follower, calibration, size, time_offset=offset)
        step = lambda frame, _: session.process(frame).events  # noqa: E731
    frames = moves = corrections = 0
    frame = first
    while frame is not None:
        events = step(frame, frames)
        frames += 1
        for event in events:
            line = event_line(event)
            moves += line["event"] == "move"
            corrections += line["event"] == "correction"
            if args.json_events:
                print(json.dumps(line), flush=True)
        if events and follower.sgf_bytes() is not None:
            # Written after every batch of events, atomically: a crash loses at most the move in flight.
            atomic_write_bytes(args.sgf, follower.sgf_bytes())
        frame = source.read()
    sgf = follower.sgf_bytes()
    if sgf is None:
        raise BadInputError(f"{args.source}: no game was seen in {frames} frames")
    atomic_write_bytes(args.sgf, sgf)
    summary = f"{frames} frames, {moves} moves, {corrections} corrections -> {args.sgf}"
    print(json.dumps({"summary": summary}) if args.json_events else summary)
    return 0


def _still_events(reader: BoardReader, follower: Follower, calibration: Calibration | None,
                  corner_model: CornerModel | None, size: int,
                  offset: float, source: str, frame: Frame, number: int) -> list[GameEvent]:
    """One still photo: found afresh (a hand-held camera frames each photo differently,
    even turned), read, and turned to face the way the game so far does."""
    if calibration is None:
        try:
            reading = read_photo(frame.image, reader, size, corner_model, f"{source} photo {number + 1}")[1].reading
        except GobanError as exc:
            print(f"goban-edge replay: photo {number + 1} skipped: {exc}", file=sys.stderr)
            return []
    else:
        reading = reader.read(frame.image, calibration, size).reading
    position, confidence = _facing(reading.position, reading.confidence, follower.stable_position)
    return follower.feed(FrameReading(frame.timestamp + offset, position, confidence))


def _facing(position: Position, confidence: np.ndarray, stable: Position | None) -> tuple[Position, np.ndarray]:
    """The rotation of a reading that agrees best with the stable position (ties: as read)."""
    if stable is None:
        return position, confidence
    best = (-1, position, confidence)
    for turn in symmetry_maps(position.size)[:4]:
        turned = Position(position.size, {turn(r, c): color for (r, c), color in position.stones.items()})
        agree = sum(turned[p] == stable[p] for p in {*turned.stones, *stable.stones})
        if agree > best[0]:
            grid = np.empty_like(confidence)
            for (r, c), value in np.ndenumerate(confidence):
                grid[turn(r, c)] = value
            best = (agree, turned, grid)
    return best[1], best[2]
