#!/usr/bin/env python3
"""Follow filmed games and compare each game record with the game that was filmed.

    python tools/follow_videos.py [--games 20] [--seeds 0 1 2 3] [--frames-per-move 10] [--moves N] [--clean]
    python tools/follow_videos.py --render --detector models/stones_int8.tflite --games 3 --moves 40 --seeds 0 \
        [--hidden-stone-frames 10] [--cache /tmp/readings]

Games are `edge.synth.games.game_corpus` (the real professional records first,
then generated ones), each filmed as `edge.synth.video` lays it out: hands
reaching in and out, captured stones lifted late, quick double moves.

Planned mode (the default) draws nothing: each frame's reading is the truth
(the stones physically on the board) with the noise a detector adds -- a few
weak random flips, a few unreadable frames -- and frames with a hand in the
picture flagged as occluded; the readings go through `edge.game.Follower`.
Render mode (--render) runs the whole reading path on rendered frames: each
frame through `edge.reading.BoardReader` (the given .tflite detector, on the
CPU), then `edge.follow.BoardWatch` (occlusion meter + follower), as in the
appliance's `GameSession`; --cache keeps the readings for the next run; the reader
sees the board in the frame of the image's corners, so the filmed game's
moves are turned into that frame (`Scene.to_view`) before comparing.

Per game it prints whether the SGF's moves equal the game's, the moves and
corrections, the differences no correction explains, and the publish latency:
stable frames from the hand leaving the board to the move's event, where a
stable frame is calm (no hand in it), sharp (no motion blur: the plan blurs some
frames while a hand moves, the first one after it has gone included) and
readable (target: at most 3). The totals also count all calm readable frames,
blurred ones included, and only the stable frames that read the new stone with
confidence, which leaves out a detector's weak frames; and "late" moves, whose
stone sat through an earlier calm spell long enough to publish it.
Totals follow; --json writes everything.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import json
import multiprocessing
import sys
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from edge.atomic import atomic_write_text
from edge.board.position import Color, Point, Position
from edge.errors import BadInputError, GobanError
from edge.game import (
    CorrectionEvent,
    Follower,
    FrameReading,
    GameConfig,
    GameEvent,
    MoveEvent,
    NewGameEvent,
    UndoEvent,
)
from edge.game.coords import point_name
from edge.game.record import main_line
from edge.synth.games import PlayedGame, game_corpus
from edge.synth.video import MIN_FRAMES_PER_MOVE, VideoPlan, plan_game_video

Move = tuple[Color, Point | None]
TARGET_EXACT = 0.95
"""Share of games whose record must equal the game (19 of 20)."""
TARGET_LATENCY = 3
"""Stable frames after the hand leaves by which a move must be published."""


@dataclass(frozen=True)
class ReadingNoise:
    """What a detector does to a calm frame's truth, per frame."""

    unreadable_rate: float = 0.03
    """Chance that a frame cannot be read at all."""
    max_flips: int = 3
    """Up to this many random points (uniformly 0..max_flips) read wrong, each at low confidence."""
    flip_confidence: tuple[float, float] = (0.2, 0.4)
    confidence: tuple[float, float] = (0.85, 1.0)
    """Confidence of the points read right."""
    occlusion: tuple[float, float] = (0.0, 0.01)
    """The occlusion estimate of a calm frame (light drift, a shadow)."""
    hand_occlusion: tuple[float, float] = (0.03, 0.35)
    """The occlusion estimate of a frame with a hand in the picture."""


@dataclass
class GameReport:
    name: str
    seed: int
    moves: int
    """Moves of the filmed game."""
    recorded: int
    """Moves in the follower's SGF."""
    exact: bool
    corrections: list[str] = field(default_factory=list)
    """"kind: message" of every correction event."""
    unexplained: list[str] = field(default_factory=list)
    """Differences between the record and the game that no correction event accounts for."""
    latencies: list[int] = field(default_factory=list)
    """Per move published as played: stable frames (calm, sharp, readable) from the hand leaving to its event."""
    calm_latencies: list[int] = field(default_factory=list)
    """The same, counting blurred frames too."""
    sure_latencies: list[int] = field(default_factory=list)
    """The same, counting only the stable frames that read the move's stone with confidence."""
    late: list[int] = field(default_factory=list)
    """Moves (1-based) whose stone sat through an earlier calm spell long enough to be published."""
    frames: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        counts = Counter(self.latencies)
        slow = sum(n for lat, n in counts.items() if lat > TARGET_LATENCY)
        text = (
            f"{self.name} seed {self.seed}: {'exact' if self.exact else 'DIFFERS'}, "
            f"{self.recorded}/{self.moves} moves, {len(self.corrections)} corrections, "
            f"latency max {max(self.latencies, default=0)} ({slow} over {TARGET_LATENCY}), "
            f"{len(self.late)} late, {self.frames} frames in {self.seconds:.1f} s"
        )
        details = [f"    correction {c}" for c in self.corrections]
        details += [f"    UNEXPLAINED {u}" for u in self.unexplained]
        if self.late:
            details.append(f"    late moves: {self.late}")
        return "\n".join([text, *details])


# --- readings ------------------------------------------------------------------


def planned_readings(plan: VideoPlan, noise: ReadingNoise | None) -> list[FrameReading]:
    """One reading per planned frame: the truth, with `noise` (None: exact, hands flagged 1.0).
    Calm frames are quiet (`FrameReading.quiet`): nothing but stones changed, as no hand is in them."""
    if noise is None:
        return [FrameReading(f.timestamp, f.position, None, 0.0 if f.calm else 1.0, f.calm) for f in plan.frames]
    rng = np.random.default_rng([plan.seed & 0xFFFFFFFF, zlib.crc32(plan.game.name.encode()), 0x0FF1])
    n = plan.game.size
    readings: list[FrameReading] = []
    for frame in plan.frames:
        if rng.random() < noise.unreadable_rate:
            readings.append(FrameReading(frame.timestamp, None))
            continue
        if not frame.calm:
            readings.append(FrameReading(frame.timestamp, frame.position, None, float(rng.uniform(*noise.hand_occlusion)), False))
            continue
        conf = rng.uniform(*noise.confidence, (n, n))
        flips = int(rng.integers(0, noise.max_flips + 1))
        if not flips:
            readings.append(FrameReading(frame.timestamp, frame.position, conf, float(rng.uniform(*noise.occlusion)), True))
            continue
        stones = dict(frame.position.stones)
        for _ in range(flips):
            point = (int(rng.integers(n)), int(rng.integers(n)))
            choices = [c for c in (None, "b", "w") if c != stones.get(point)]
            flip = choices[int(rng.integers(len(choices)))]
            if flip is None:
                stones.pop(point, None)
            else:
                stones[point] = flip
            conf[point] = rng.uniform(*noise.flip_confidence)
        readings.append(FrameReading(frame.timestamp, Position(n, stones), conf, float(rng.uniform(*noise.occlusion)), True))
    return readings


# --- comparing -------------------------------------------------------------------


def correction_positions(events: Iterable[GameEvent]) -> list[tuple[int, CorrectionEvent]]:
    """Each correction event with the number of moves the record held when it came."""
    moves, out = 0, []
    for event in events:
        if isinstance(event, MoveEvent):
            moves += 1
        elif isinstance(event, UndoEvent):
            moves -= 1
        elif isinstance(event, CorrectionEvent):
            out.append((moves, event))
        elif isinstance(event, NewGameEvent):
            moves = 0
    return out


def unexplained_differences(
    expected: Sequence[Move], recorded: Sequence[Move], corrections: Sequence[tuple[int, CorrectionEvent]], size: int
) -> list[str]:
    """Stretches where the record differs from the game (missed moves, phantom moves)
    with no correction event where the record reached them.

    A stretch of recorded moves j1+1..j2 (missed moves: j1 == j2) is explained by
    a correction that came while the record held j1..j2+1 moves: the follower
    said, there, that the board did not follow the moves it recorded.
    """
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, list(expected), list(recorded), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or any(j1 <= at <= j2 + 1 for at, _ in corrections):
            continue
        missed = ", ".join(f"{k + 1} {expected[k][0]} {point_name(expected[k][1], size)}" for k in range(i1, i2))
        phantom = ", ".join(f"{k + 1} {recorded[k][0]} {point_name(recorded[k][1], size)}" for k in range(j1, j2))
        out.append(f"game moves [{missed}] recorded as [{phantom}]")
    return out


def publish_latency(
    calm: Sequence[bool], counted: Callable[[int], bool], placed: int, published: int, needed: int
) -> tuple[int, bool]:
    """(calm `counted` frames from the hand leaving until the move's event, inclusive;
    whether an earlier calm spell since the stone went down had `needed` such frames)."""
    count, late = 0, False
    for f in range(placed, published + 1):
        if not calm[f]:
            late = late or count >= needed
            count = 0
        elif counted(f):
            count += 1
    return count, late


def reads_stone(reading: FrameReading, point: Point, color: Color, level: float) -> bool:
    """Whether `reading` shows `color` on `point` with confidence `level` or more."""
    if reading.position is None or reading.position[point] != color:
        return False
    return reading.confidence is None or float(reading.confidence[point]) >= level


def report(
    game: PlayedGame,
    plan: VideoPlan,
    expected: Sequence[Move],
    follower: Follower,
    events: list[tuple[int, GameEvent]],
    calm: Sequence[bool],
    readings: Sequence[FrameReading],
    seconds: float,
) -> GameReport:
    data = follower.sgf_bytes()
    recorded = main_line(data)[1] if data is not None else []
    corrections = correction_positions(e for _, e in events)
    published: dict[int, tuple[int, Move]] = {}
    for f, event in events:
        if isinstance(event, MoveEvent):
            published[event.number] = (f, (event.color, event.point))
    latencies, calm_latencies, sure_latencies, late = [], [], [], []
    needed, level = follower.config.stable_frames, follower.config.confident_level

    def readable(f: int) -> bool:
        return readings[f].position is not None

    def stable(f: int) -> bool:
        return readable(f) and not plan.frames[f].motion_blur

    for k, placed in enumerate(plan.placed_at):
        at = published.get(k + 1)
        if at is None or at[1] != expected[k]:
            continue
        latency, was_late = publish_latency(calm, stable, placed, at[0], needed)
        latencies.append(latency)
        calm_latencies.append(publish_latency(calm, readable, placed, at[0], needed)[0])
        color, point = expected[k]
        if point is not None:
            sure_latencies.append(publish_latency(
                calm, lambda f: stable(f) and reads_stone(readings[f], point, color, level), placed, at[0], needed)[0])
        if was_late:
            late.append(k + 1)
    return GameReport(
        name=game.name,
        seed=plan.seed,
        moves=len(expected),
        recorded=len(recorded),
        exact=recorded == list(expected),
        corrections=[f"after move {at}: {e.kind}: {e.message}" for at, e in corrections],
        unexplained=unexplained_differences(expected, recorded, corrections, game.size),
        latencies=latencies,
        calm_latencies=calm_latencies,
        sure_latencies=sure_latencies,
        late=late,
        frames=len(plan.frames),
        seconds=seconds,
    )


def game_config(game: PlayedGame, hidden_stone_frames: int = GameConfig.hidden_stone_frames) -> GameConfig:
    return GameConfig(
        size=game.size, komi=game.komi, black_player=game.black, white_player=game.white,
        hidden_stone_frames=hidden_stone_frames,
    )


# --- the two modes ---------------------------------------------------------------


def follow_planned(
    game: PlayedGame, seed: int, frames_per_move: int = 10, noise: ReadingNoise | None = ReadingNoise(),
    config: GameConfig | None = None,
) -> GameReport:
    """Follow the planned video of `game` from its truth readings (see the module's doc)."""
    started = time.perf_counter()
    plan = plan_game_video(game, seed, frames_per_move=frames_per_move)
    readings = planned_readings(plan, noise)
    follower = Follower(config or game_config(game))
    events: list[tuple[int, GameEvent]] = []
    for f, reading in enumerate(readings):
        events += [(f, e) for e in follower.feed(reading)]
    calm = [frame.calm for frame in plan.frames]
    return report(game, plan, list(game.moves), follower, events, calm, readings, time.perf_counter() - started)


def rendered_readings(
    game: PlayedGame, plan: VideoPlan, detector: Path, width: int, height: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Render the video of `game` and read each frame: all that following it needs, as arrays."""
    # The reading path pulls in the LiteRT runtime: only this mode needs it.
    from edge.board.occlusion import board_cells
    from edge.detect.detector import StoneDetector
    from edge.reading import BoardReader
    from edge.rectify.warp import CornerRectifier
    from edge.synth.video import render_game_video

    reader = BoardReader(StoneDetector.load(detector, delegate="cpu", threads=1, score_threshold=0.1))
    rectifier: CornerRectifier | None = None
    columns: dict[str, list] = {"timestamp": [], "rows": [], "confidence": [], "cells": [], "calm": []}
    for frame in render_game_video(game, plan.seed, width=width, height=height, plan=plan):
        rectifier = rectifier or CornerRectifier(frame.corners)
        result = reader.read(frame.image, rectifier, game.size)
        columns["timestamp"].append(frame.timestamp)
        columns["rows"].append("".join(result.reading.position.rows()))
        columns["confidence"].append(result.reading.confidence)
        columns["cells"].append(board_cells(result.rectified, game.size))
        columns["calm"].append(not frame.occluded)
        if progress is not None:
            progress(frame.index + 1, len(plan.frames))
    return {k: np.asarray(v) for k, v in columns.items()}


def follow_rendered(
    game: PlayedGame, seed: int, detector: Path, frames_per_move: int = 10, width: int = 640, height: int = 480,
    config: GameConfig | None = None, progress: Callable[[int, int], None] | None = None,
    cache: Path | None = None,
) -> GameReport:
    """Follow the rendered video of `game` through the detector, the reader and a BoardWatch.

    With `cache`, each video's readings are kept there (keyed by game, seed,
    frame layout and detector file) and read back instead of rendering again,
    so that changes to the follower can be tried in seconds. The key does not
    cover the reading code: empty the folder after changing it.
    """
    from edge.follow import BoardWatch
    from edge.synth.video import video_scene

    started = time.perf_counter()
    plan = plan_game_video(game, seed, frames_per_move=frames_per_move)
    scene = video_scene(game, seed, width=width, height=height)
    expected = [(color, scene.to_view(point)) for color, point in game.moves]
    key = hashlib.sha256(detector.read_bytes()).hexdigest()[:12]
    stored = None if cache is None else cache / f"{game.name}-{len(game.moves)}-s{seed}-f{frames_per_move}-{width}x{height}-{key}.npz"
    if stored is not None and stored.is_file():
        with np.load(stored) as archive:
            frames = dict(archive)
    else:
        frames = rendered_readings(game, plan, detector, width, height, progress)
        if stored is not None:
            stored.parent.mkdir(parents=True, exist_ok=True)
            temp = stored.with_suffix(".tmp.npz")
            np.savez_compressed(temp, **frames)
            temp.replace(stored)
    follower = Follower(config or game_config(game))
    watch = BoardWatch(follower)
    events: list[tuple[int, GameEvent]] = []
    readings: list[FrameReading] = []
    n = game.size
    for index, (timestamp, rows, confidence, cells) in enumerate(
            zip(frames["timestamp"], frames["rows"], frames["confidence"], frames["cells"])):
        position = Position.from_rows(str(rows)[r * n:(r + 1) * n] for r in range(n))
        occlusion, new = watch.follow(float(timestamp), position, confidence, cells)
        readings.append(FrameReading(float(timestamp), position, confidence, occlusion))
        events += [(index, e) for e in new]
    calm = [bool(c) for c in frames["calm"]]
    return report(game, plan, expected, follower, events, calm, readings, time.perf_counter() - started)


# --- totals ----------------------------------------------------------------------


def summary(reports: list[GameReport]) -> tuple[list[str], bool]:
    """Total lines, and whether the targets are met: per seed >= 95 % exact, no unexplained
    difference, every move published within TARGET_LATENCY stable frames."""
    lines, met = [], True
    for seed in sorted({r.seed for r in reports}):
        mine = [r for r in reports if r.seed == seed]
        exact = sum(r.exact for r in mine)
        met = met and exact >= TARGET_EXACT * len(mine)
        lines.append(f"seed {seed}: {exact}/{len(mine)} games exact")
    unexplained = sum(len(r.unexplained) for r in reports)
    met = met and unexplained == 0
    lines.append(f"differences no correction explains: {unexplained}")
    for what, counts in (
        ("stable frames after the hand left: calm, sharp, readable", Counter(lat for r in reports for lat in r.latencies)),
        ("calm readable frames, blurred ones too", Counter(lat for r in reports for lat in r.calm_latencies)),
        ("stable frames reading the new stone with confidence",
         Counter(lat for r in reports for lat in r.sure_latencies)),
    ):
        total = sum(counts.values())
        within = sum(n for lat, n in counts.items() if lat <= TARGET_LATENCY)
        lines.append(
            f"publish latency ({what}): " + ", ".join(f"{lat}: {n}" for lat, n in sorted(counts.items()))
            + f"; within {TARGET_LATENCY}: {within}/{total} ({100.0 * within / max(total, 1):.2f} %)"
        )
    lines.append(f"late moves (an earlier calm spell went by): {sum(len(r.late) for r in reports)}")
    lines.append(f"record targets (per seed 95% exact, no unexplained difference) met: {'yes' if met else 'no'}")
    fast = all(lat <= TARGET_LATENCY for r in reports for lat in r.latencies)
    lines.append(f"latency target (every move within {TARGET_LATENCY} stable frames) met: {'yes' if fast else 'no'}")
    met = met and fast
    return lines, met


def _follow_one(task: tuple[PlayedGame, int, argparse.Namespace]) -> GameReport:
    game, seed, args = task
    config = game_config(game, args.hidden_stone_frames)
    if args.render:
        return follow_rendered(game, seed, args.detector, args.frames_per_move, config=config, cache=args.cache)
    noise = None if args.clean else ReadingNoise()
    return follow_planned(game, seed, args.frames_per_move, noise, config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=20, help="the first N games of the corpus")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="one video per game and seed")
    parser.add_argument("--frames-per-move", type=int, default=10)
    parser.add_argument("--moves", type=int, default=None, help="follow only the first N moves of each game")
    parser.add_argument("--clean", action="store_true", help="planned mode: exact readings, no detector noise")
    parser.add_argument("--render", action="store_true", help="render the frames and read them with --detector")
    parser.add_argument("--detector", type=Path, default=None, help="a .tflite stone detector (with --render)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="with --render: keep each video's readings in this folder and reuse them")
    parser.add_argument("--hidden-stone-frames", type=int, default=GameConfig.hidden_stone_frames,
                        help="GameConfig.hidden_stone_frames: frames an unexplained stone going must hold (0: off)")
    parser.add_argument("--json", type=Path, default=None, help="write every game's report here")
    parser.add_argument("--workers", type=int, default=1, help="games followed at once, one process each")
    parser.add_argument("--check", action="store_true", help="exit 1 when the targets are not met")
    args = parser.parse_args(argv)
    try:
        if args.frames_per_move < MIN_FRAMES_PER_MOVE:
            raise BadInputError(f"--frames-per-move {args.frames_per_move} is below {MIN_FRAMES_PER_MOVE}")
        if args.games < 1:
            raise BadInputError(f"--games {args.games} must be at least 1")
        if args.render and (args.detector is None or not args.detector.is_file()):
            raise BadInputError(f"--render needs --detector with a .tflite file (got {args.detector})")
        games = game_corpus(args.games)
        if args.moves is not None:
            games = [g.prefix(args.moves) for g in games]
        tasks = [(game, seed, args) for seed in args.seeds for game in games]
        reports: list[GameReport] = []
        # spawn: each worker loads its own runtime rather than inheriting threads.
        pool = multiprocessing.get_context("spawn").Pool(args.workers) if args.workers > 1 else None
        with pool or contextlib.nullcontext():
            for result in (pool.imap(_follow_one, tasks) if pool else map(_follow_one, tasks)):
                reports.append(result)
                print(result.line(), flush=True)
        lines, met = summary(reports)
        print("\n".join(lines))
        if args.json is not None:
            atomic_write_text(args.json, json.dumps([asdict(r) for r in reports], indent=1) + "\n")
    except GobanError as exc:
        print(f"follow_videos: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"follow_videos: {exc}", file=sys.stderr)
        return 1
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
