#!/usr/bin/env python3
"""Time `goban-edge read`'s work on each image of a set: board finding, rectifying, detecting, mapping.

    python tools/time_read.py ../shared/data/imago-tests /tmp/rendered-500 [--limit 100]

The models are loaded once (as the daemon and `goban-edge eval` do); each image is read
with the corner finder and without it, alternately, so that both see the same machine, and
`--repeat N` times each way: an image's time is the median of its reads, so that a moment
when the shared machine is busy does not count as the image's. Prints the median, 95th
percentile and maximum over the images per set and image size in milliseconds; the target
for a 640x480 image is under 300 ms.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from calibration.corner_model import CornerModel
from edge.capture.folder import IMAGE_SUFFIXES
from edge.capture.still import read_image
from edge.detect.detector import DEFAULT_MODEL, StoneDetector
from edge.errors import GobanError
from edge.photo import read_photo
from edge.reading import BoardReader


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--limit", type=int, default=None, help="at most this many images per set")
    ap.add_argument("--repeat", type=int, default=1, help="reads of each image each way; its median counts")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error(f"--repeat must be 1 or more, got {args.repeat}")
    reader = BoardReader(StoneDetector.load(DEFAULT_MODEL, delegate="cpu", threads=2, score_threshold=0.1))
    corner_model = CornerModel.load()
    for root in args.sets:
        paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[: args.limit]
        times: dict[tuple[str, str], list[float]] = {}
        for path in paths:
            image = read_image(path)
            size = f"{image.shape[1]}x{image.shape[0]}"
            reads: dict[str, list[float]] = {}
            for _ in range(args.repeat):
                for label, model in (("with corner finder", corner_model), ("line search only", None)):
                    start = time.perf_counter()
                    try:
                        read_photo(image, reader, None, model, str(path))
                    except GobanError:
                        pass  # a board not found still costs the search
                    reads.setdefault(label, []).append((time.perf_counter() - start) * 1000)
            for label, ms in reads.items():
                times.setdefault((size, label), []).append(float(np.median(ms)))
        for (size, label), ms in sorted(times.items()):
            print(f"{root}, {len(ms)} images {size}, {label}: p50 {np.median(ms):.0f} ms, "
                  f"p95 {np.percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
