"""Write a labelled board-position set of rendered photos, for `goban-edge eval`.

    python tools/make_rendered_set.py --count 500 --out /tmp/rendered-500
    goban-edge eval /tmp/rendered-500 --format board --out /tmp/rendered-500-report

Each board: a random size (9, 13, 19), a camera tilted up to 45 degrees, the
renderer's full mix of conditions (hands partly over the board, glare, blur,
noise, JPEG), a seed range (30,000,000 and up) that training never used.
Labels are the positions in the frame of the board's corners as the renderer
orders them (the reader orders corners the same way), so the set is marked
orientation-fixed; the true corners are kept beside each image. A stone a hand
hides (more than half of it) is labelled `?`: no single photo shows it, so it
is not scored.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
from tqdm import tqdm

from edge.synth import render_random_board

SEED_BASE = 30_000_000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed-base", type=int, default=SEED_BASE,
                    help="first seed (default 30,000,000, the reported set; another base gives a set to tune on)")
    ap.add_argument("--hand", choices=("random", "always", "never"), default="random")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fixed-orientation").touch()
    hand = {"random": None, "always": True, "never": False}[args.hand]
    for i in tqdm(range(args.count), desc="rendering", mininterval=5):
        seed = args.seed_base + i
        rendered = render_random_board(seed, hand=hand)
        name = f"board_{i:04d}"
        cv2.imwrite(str(args.out / f"{name}.jpg"), rendered.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        rows = [list(row) for row in rendered.position.rows()]
        for stone in rendered.stones:
            if not stone.shown:
                rows[stone.point[0]][stone.point[1]] = "?"
        (args.out / f"{name}.txt").write_text("\n".join(" ".join(row) for row in rows) + "\n")
        (args.out / f"{name}.corners.json").write_text(json.dumps(rendered.corners.round(3).tolist()) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
