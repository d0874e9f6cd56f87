"""`goban-edge replay SOURCE --sgf OUT.sgf`: a recorded game through the full pipeline, offline.

Every frame is read (none dropped, no real-time pacing), so a replay is
deterministic: the same recording always gives the same SGF. The board comes
from `--calibration`, `--corners`, or is found in the first frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from calibration.store import Calibration, load
from edge.atomic import atomic_write_bytes
from edge.capture.folder import FolderSource
from edge.capture.opencv import OpenCvSource
from edge.cli.args import board_size
from edge.cli.read import calibrate_image
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.errors import BadInputError
from edge.follow import GameSession, event_line
from edge.config import AppConfig
from edge.config.load import game_config
from edge.config.model import GameSection
from edge.game.follower import Follower
from edge.reading import BoardReader


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
    if args.calibration:
        calibration: Calibration = load(args.calibration)
    else:
        calibration = calibrate_image(first.image, args.size, args.corners, str(args.source))
    size = args.size or calibration.board_size
    settings = AppConfig().model_copy(update={"game": GameSection(komi=args.komi, black=args.black, white=args.white)})
    # The record goes to --sgf only, not to the daemon's game directory.
    config = dataclasses.replace(game_config(settings, size), sgf_dir=None)
    session = GameSession(
        BoardReader(StoneDetector.load(args.model, delegate="cpu", threads=2, score_threshold=0.1)),
        Follower(config), calibration, size, time_offset=time.time(),
    )
    frames = moves = corrections = 0
    frame = first
    while frame is not None:
        outcome = session.process(frame)
        frames += 1
        for event in outcome.events:
            line = event_line(event)
            moves += line["event"] == "move"
            corrections += line["event"] == "correction"
            if args.json_events:
                print(json.dumps(line), flush=True)
        if outcome.events and session.follower.sgf_bytes() is not None:
            # Written after every batch of events, atomically: a crash loses at most the move in flight.
            atomic_write_bytes(args.sgf, session.follower.sgf_bytes())
        frame = source.read()
    sgf = session.follower.sgf_bytes()
    if sgf is None:
        raise BadInputError(f"{args.source}: no game was seen in {frames} frames")
    atomic_write_bytes(args.sgf, sgf)
    summary = f"{frames} frames, {moves} moves, {corrections} corrections -> {args.sgf}"
    print(json.dumps({"summary": summary}) if args.json_events else summary)
    return 0
