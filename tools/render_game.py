#!/usr/bin/env python3
"""Film a game on a synthetic board: numbered JPEG frames or an .mp4, plus truth.json.

    python tools/render_game.py SOURCE --out DIR_OR_VIDEO.mp4 [--frames-per-move 8] [--moves N] [--seed S]

SOURCE is an SGF file, `real:N` (one of the project's real game records, by
index or by a part of its name, e.g. real:castle) or `generated:SEED` (a
generated game). The truth goes to DIR/truth.json beside the frames, or to
VIDEO.truth.json beside the video: per frame its move_index, whether a hand
is over the board and the board's corners; the game's moves in SGF
coordinates; and the camera: corners and rotation (which board corner is
corners[0]).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2

from edge.atomic import atomic_write_text
from edge.errors import BadInputError, GobanError
from edge.synth.games import PlayedGame, generated_game, read_sgf, real_game, sgf_point
from edge.synth.video import MIN_FRAMES_PER_MOVE, VideoPlan, plan_game_video, render_game_video, video_scene

JPEG_QUALITY = 92


def load_game(source: str, moves: int | None) -> PlayedGame:
    kind, _, arg = source.partition(":")
    if kind == "real" and arg:
        game = real_game(arg)
    elif kind == "generated" and arg:
        try:
            seed = int(arg)
        except ValueError:
            raise BadInputError(f"generated:{arg} needs an integer seed") from None
        game = generated_game(seed, moves if moves is not None else 200)
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInputError(f"{source} is neither an SGF file nor real:N or generated:SEED")
        game = read_sgf(path.read_bytes(), path.stem)
    return game.prefix(moves) if moves is not None else game


def truth_document(game: PlayedGame, plan: VideoPlan, scene_seed: int, corners, rotation: int, frames: list[dict]) -> dict:
    return {
        "game": {
            "name": game.name,
            "real": game.real,
            "size": game.size,
            "komi": game.komi,
            "black": game.black,
            "white": game.white,
            "setup": [[color, sgf_point(point)] for point, color in sorted(game.setup.items())],
            "moves": [[color, sgf_point(point)] for color, point in game.moves],
        },
        "scene": {
            "seed": scene_seed,
            "corners": [[round(float(x), 3), round(float(y), 3)] for x, y in corners],
            "rotation": rotation,
            "rotation_note": "board corner at corners[0]: 0 is SGF's top-left (aa), then clockwise",
            "player_sides": dict(plan.sides),
        },
        "fps": plan.fps,
        "placed_at": list(plan.placed_at),
        "double_moves": list(plan.double_moves),
        "frames": frames,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="an SGF file, real:N or generated:SEED")
    parser.add_argument("--out", required=True, help="a folder for numbered JPEGs, or a .mp4 file")
    parser.add_argument("--frames-per-move", type=int, default=8)
    parser.add_argument("--moves", type=int, default=None, help="film only the first N moves")
    parser.add_argument("--seed", type=int, default=0, help="camera, hands and timing")
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--double-move-rate", type=float, default=0.05)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    args = parser.parse_args(argv)
    try:
        if args.frames_per_move < MIN_FRAMES_PER_MOVE:
            raise BadInputError(f"--frames-per-move {args.frames_per_move} is below {MIN_FRAMES_PER_MOVE}")
        game = load_game(args.source, args.moves)
        out = Path(args.out)
        plan = plan_game_video(
            game, args.seed, frames_per_move=args.frames_per_move, double_move_rate=args.double_move_rate, fps=args.fps
        )
        scene = video_scene(game, args.seed, width=args.width, height=args.height)
        started = time.perf_counter()
        frames = write_frames(game, plan, args, out)
        elapsed = time.perf_counter() - started
        truth_path = out / "truth.json" if out.suffix.lower() != ".mp4" else out.with_suffix(".truth.json")
        doc = truth_document(game, plan, args.seed, scene.corners, scene.corner_start, frames)
        atomic_write_text(truth_path, json.dumps(doc) + "\n")
    except GobanError as exc:
        print(f"render_game: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"render_game: {exc}", file=sys.stderr)
        return 1
    size = f", {out.stat().st_size / 1e6:.2f} MB" if out.is_file() else ""
    print(
        f"{game.name}: {len(game.moves)} moves, {len(frames)} frames in {elapsed:.1f} s "
        f"({len(frames) / max(elapsed, 1e-9):.1f} frames/s) -> {out}{size}, {truth_path}"
    )
    return 0


def write_frames(game: PlayedGame, plan: VideoPlan, args: argparse.Namespace, out: Path) -> list[dict]:
    video = out.suffix.lower() == ".mp4"
    writer = None
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    if video:
        out.parent.mkdir(parents=True, exist_ok=True)
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), args.fps, (args.width, args.height))
        if not writer.isOpened():
            raise BadInputError(f"cannot write an mp4 video at {out}")
    else:
        out.mkdir(parents=True, exist_ok=True)
    frames: list[dict] = []
    try:
        for frame in render_game_video(game, args.seed, width=args.width, height=args.height, plan=plan):
            if writer is not None:
                writer.write(frame.image)
            else:
                # Frames are plain writes; truth.json, written atomically last, marks the set complete.
                ok, buf = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                if not ok:
                    raise BadInputError(f"could not encode frame {frame.index}")
                (out / f"{frame.index:06d}.jpg").write_bytes(buf.tobytes())
            frames.append(
                {
                    "index": frame.index,
                    "timestamp": round(frame.timestamp, 4),
                    "move_index": frame.move_index,
                    "occluded": frame.occluded,
                    "corners": [[round(float(x), 3), round(float(y), 3)] for x, y in frame.corners],
                }
            )
    except BaseException:
        if writer is not None:
            writer.release()
            tmp.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.release()
        os.replace(tmp, out)
    return frames


if __name__ == "__main__":
    sys.exit(main())
