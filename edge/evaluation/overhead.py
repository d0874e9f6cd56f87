"""Time the evaluator's own work on a large synthetic result set.

    python -m edge.evaluation.overhead [--images 10000] [--detections 100] [--repeat 3]

Builds boards of jittered stones (misses, duplicates, wrong colours, false
positives) as flat arrays and times `evaluate_detections` alone: matching at 10
IoU thresholds, AP, mAP and the operating point. Model inference is not part of it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from edge.evaluation.average_precision import evaluate_detections
from edge.evaluation.boxes import BoxArrays


def synthetic_results(n_images: int, per_image: int, seed: int = 0) -> tuple[BoxArrays, BoxArrays]:
    """About `per_image` detections on each image, against ~0.9 * that many stones."""
    rng = np.random.default_rng(seed)
    pitch, side = 30.0, 27.0
    n_gt_per = max(1, int(per_image * 0.9))
    cells = np.argsort(rng.random((n_images, 361)), axis=1)[:, :n_gt_per]
    image = np.repeat(np.arange(n_images), n_gt_per)
    rows, cols = np.divmod(cells.reshape(-1), 19)
    xy = np.column_stack([cols, rows]) * pitch + 40 - side / 2 + rng.normal(0, 0.5, (len(image), 2))
    gt = BoxArrays.build(image, rng.integers(0, 2, len(image)), np.hstack([xy, np.full((len(image), 2), side)]))

    found = rng.random(len(gt)) > 0.05
    d_xywh = gt.xywh[found] + rng.normal(0, 1.5, (int(found.sum()), 4))
    d_label = gt.label[found] ^ (rng.random(int(found.sum())) < 0.02)
    d_image = gt.image[found]
    n_extra = max(0, n_images * per_image - len(d_image))
    dup = rng.integers(0, len(d_image), n_extra // 2)
    n_fp = n_extra - len(dup)
    fp_xy = rng.uniform(0, 19 * pitch + 40, (n_fp, 2))
    xywh = np.vstack([d_xywh, d_xywh[dup] + rng.normal(0, 3.0, (len(dup), 4)),
                      np.hstack([fp_xy, np.full((n_fp, 2), side)])])
    label = np.r_[d_label, d_label[dup], rng.integers(0, 2, n_fp)]
    img = np.r_[d_image, d_image[dup], rng.integers(0, n_images, n_fp)]
    score = np.r_[rng.uniform(0.4, 1.0, len(d_image)), rng.uniform(0.0, 0.6, len(dup) + n_fp)]
    # A reader hands over its detections image by image.
    by_image = np.argsort(img, kind="stable")
    return gt, BoxArrays.build(img[by_image], label[by_image], xywh[by_image], score[by_image])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--detections", type=int, default=100, help="per image")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    gt, dt = synthetic_results(args.images, args.detections)
    wall, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        metrics = evaluate_detections(gt, dt, args.images)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # CPU time is shown too: on a shared machine, wall time includes time stolen by others.
    print(
        f"{args.images} images, {len(dt)} detections, {len(gt)} ground-truth stones: "
        f"wall best {min(wall):.3f} s, median {sorted(wall)[len(wall) // 2]:.3f} s; "
        f"CPU best {min(cpu):.3f} s over {args.repeat} runs "
        f"(mAP@.5 {metrics.map50:.4f}, mAP@[.5:.95] {metrics.map:.4f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
