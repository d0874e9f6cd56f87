#!/usr/bin/env python3
"""Replay the Imago photo series with `goban-edge replay --stills` and compare each run's
moves with the moves its expected positions imply (up to the board's symmetries).

    .venv/bin/python tools/follow_imago.py [--imago ../shared/data/imago-tests]

Runs: t1 0-10 (photos t1_001-t1_011), t2 with t2/skip 0-11, 50-54, 75-79, 100-104,
t3 0-11 and 50-51. Prints per run EXACT or DIFF with both move lists.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

from edge.board.position import Position, symmetry_maps
from edge.cli.main import main as goban_edge
from edge.cli.replay import stills_config
from edge.game import Follower, FrameReading, GameConfig, MoveEvent
from edge.game.record import main_line

RUNS = [("t1", 1, 11), ("t2", 0, 11), ("t2", 50, 54), ("t2", 75, 79), ("t2", 100, 104), ("t3", 0, 11), ("t3", 50, 51)]


def _file(imago: Path, name: str, suffix: str) -> Path:
    folder = imago / name.split("_")[0]
    path = folder / f"{name}{suffix}"
    return path if path.exists() else folder / "skip" / f"{name}{suffix}"


def follow_run(imago: Path, series: str, first: int, last: int) -> tuple[bool, list, list, str]:
    names = [f"{series}_{k:03d}" for k in range(first, last + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        photos = Path(tmp) / "photos"
        photos.mkdir()
        for k, name in enumerate(names):
            (photos / f"{k:03d}.jpg").symlink_to(_file(imago, name, ".jpg").resolve())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = goban_edge(["replay", str(photos), "--stills", "--json-events", "--sgf", str(Path(tmp) / "run.sgf")])
        if code != 0:
            raise RuntimeError(f"goban-edge replay exited with {code} on {series} {first}-{last}")
        recorded = main_line((Path(tmp) / "run.sgf").read_bytes())[1]
    follower = Follower(stills_config(GameConfig()))
    implied = []
    for t, name in enumerate(names):
        position = Position.from_rows(_file(imago, name, ".txt").read_text().splitlines())
        implied += [(e.color, e.point) for e in follower.feed(FrameReading(float(t), position)) if isinstance(e, MoveEvent)]
    exact = any([(c, f(*p) if p else None) for c, p in recorded] == implied for f in symmetry_maps(19))
    corrections = sum('"correction"' in line for line in out.getvalue().splitlines())
    return exact, recorded, implied, f"{corrections} corrections"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--imago", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data/imago-tests")
    args = ap.parse_args()
    exact_runs = 0
    for series, first, last in RUNS:
        exact, recorded, implied, notes = follow_run(args.imago, series, first, last)
        exact_runs += exact
        print(f"{series} {first}-{last}: {'EXACT' if exact else 'DIFF'} ({len(recorded)} moves recorded, "
              f"{len(implied)} implied, {notes})")
        if not exact:
            print(f"    recorded (as read): {recorded}\n    implied:            {implied}")
    print(f"{exact_runs}/{len(RUNS)} runs exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
