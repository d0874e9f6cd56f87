"""The vectorised AP must equal pycocotools' COCOeval (bbox, area all, maxDets 500).

pycocotools is only the reference here; the evaluator never calls it.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from edge.evaluation.average_precision import evaluate_detections
from edge.evaluation.boxes import BoxArrays

CLASSES = ("black", "white")
TOL = 1e-4


def reference(gt: BoxArrays, dt: BoxArrays, n_images: int) -> dict[str, float]:
    """pycocotools' per-class AP / AP50 and the means, -1 where it gives -1."""
    images = [{"id": i + 1, "file_name": f"{i}.jpg", "width": 4000, "height": 4000} for i in range(n_images)]
    anns = [
        {
            "id": j + 1,  # id 0 would read as "unmatched" inside COCOeval
            "image_id": int(gt.image[j]) + 1,
            "category_id": int(gt.label[j]) + 1,
            "bbox": [float(v) for v in gt.xywh[j]],
            "area": float(gt.xywh[j, 2] * gt.xywh[j, 3]),
            "iscrowd": 0,
        }
        for j in range(len(gt))
    ]
    cats = [{"id": k + 1, "name": n, "supercategory": "stones"} for k, n in enumerate(CLASSES)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = {"images": images, "annotations": anns, "categories": cats}
        coco_gt.createIndex()
        results = [
            {
                "image_id": int(dt.image[j]) + 1,
                "category_id": int(dt.label[j]) + 1,
                "bbox": [float(v) for v in dt.xywh[j]],
                "score": float(dt.score[j]),
            }
            for j in range(len(dt))
        ]
        coco_dt = coco_gt.loadRes(results) if results else COCO()
        if not results:
            coco_dt.dataset = {"images": images, "annotations": [], "categories": cats}
            coco_dt.createIndex()
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.params.maxDets = [1, 10, 500]
        ev.evaluate()
        ev.accumulate()
    prec = ev.eval["precision"][:, :, :, 0, -1]  # T, R, K (area all, maxDets 500)
    out: dict[str, float] = {}

    def mean(s: np.ndarray) -> float:
        return float(np.mean(s[s > -1])) if (s > -1).any() else -1.0

    for k, name in enumerate(CLASSES):
        out[f"ap/{name}"] = mean(prec[:, :, k])
        out[f"ap50/{name}"] = mean(prec[0, :, k])
        out[f"ap75/{name}"] = mean(prec[5, :, k])
    out["map"] = mean(prec)
    out["map50"] = mean(prec[0])
    out["map75"] = mean(prec[5])
    return out


def ours(gt: BoxArrays, dt: BoxArrays, n_images: int) -> dict[str, float]:
    m = evaluate_detections(gt, dt, n_images, class_names=CLASSES)
    out = {"map": m.map, "map50": m.map50, "map75": m.map75}
    for c in m.classes:
        out[f"ap/{c.name}"] = c.ap
        out[f"ap50/{c.name}"] = c.ap50
        out[f"ap75/{c.name}"] = c.ap75
    return out


def assert_agree(gt: BoxArrays, dt: BoxArrays, n_images: int) -> dict[str, float]:
    ref = reference(gt, dt, n_images)
    got = ours(gt, dt, n_images)
    assert got.keys() == ref.keys()
    for key in ref:
        assert got[key] == pytest.approx(ref[key], abs=TOL), (key, got, ref)
    return ref


def grid_stones(rng: np.random.Generator, n_images: int, fill: float, pitch: float = 22.0, size: int = 9):
    """Stones of a board photographed head-on: boxes on a grid, random colours.

    (pycocotools' own loops are slow on crowded images, so most sets use 9x9.)
    """
    rows = []
    for i in range(n_images):
        occupied = np.argwhere(rng.random((size, size)) < fill)
        for r, c in occupied:
            side = pitch * rng.uniform(0.85, 0.98)
            x = 40 + c * pitch - side / 2 + rng.normal(0, 0.5)
            y = 40 + r * pitch - side / 2 + rng.normal(0, 0.5)
            rows.append((i, int(rng.integers(0, 2)), x, y, side, side))
    a = np.array(rows, dtype=np.float64).reshape(-1, 6)
    return BoxArrays.build(a[:, 0], a[:, 1], a[:, 2:6])


def jittered(rng: np.random.Generator, gt: BoxArrays, *, miss: float, jitter: float, wrong_colour: float,
             extra: int, duplicate: float, n_images: int, score_levels: int | None = None) -> BoxArrays:
    keep = rng.random(len(gt)) >= miss
    xywh = gt.xywh[keep] + rng.normal(0, jitter, (int(keep.sum()), 4))
    xywh[:, 2:] = np.abs(xywh[:, 2:]) + 1
    label = gt.label[keep].copy()
    flip = rng.random(len(label)) < wrong_colour
    label[flip] = 1 - label[flip]
    image = gt.image[keep]
    dup = rng.random(len(label)) < duplicate
    dxywh = xywh[dup] + rng.normal(0, jitter, (int(dup.sum()), 4))
    dxywh[:, 2:] = np.abs(dxywh[:, 2:]) + 1
    fx = rng.uniform(0, 420, (extra, 2))
    fs = rng.uniform(10, 30, (extra, 1))
    xywh = np.vstack([xywh, dxywh, np.hstack([fx, fs, fs])])
    label = np.r_[label, label[dup], rng.integers(0, 2, extra)]
    image = np.r_[image, image[dup], rng.integers(0, n_images, extra)]
    n = len(label)
    score = rng.random(n) if score_levels is None else rng.integers(0, score_levels, n) / score_levels
    perm = rng.permutation(n)  # detections arrive in no particular order
    return BoxArrays.build(image[perm], label[perm], xywh[perm], score[perm])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jittered_boards_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 30
    gt = grid_stones(rng, n, fill=0.3)
    dt = jittered(rng, gt, miss=0.1, jitter=2.5, wrong_colour=0.05, extra=80, duplicate=0.1, n_images=n)
    assert_agree(gt, dt, n)


def test_full_boards_beyond_coco_default_cap_agree() -> None:
    # ~220 stones, over 100 of each colour: more than COCO's default cap of 100.
    rng = np.random.default_rng(7)
    gt = grid_stones(rng, 1, fill=0.6, size=19)
    assert np.bincount(gt.label).min() > 100
    dt = jittered(rng, gt, miss=0.02, jitter=1.5, wrong_colour=0.02, extra=40, duplicate=0.05, n_images=1)
    ref = assert_agree(gt, dt, 1)
    assert ref["map50"] > 0.7  # a meaningful set, not all misses


def test_more_than_500_detections_per_image_are_capped_like_cocoeval() -> None:
    # 30 black stones, each found 20 times: 600 detections, the lowest 100 dropped.
    rng = np.random.default_rng(8)
    gt = grid_stones(rng, 1, fill=0.4)
    gt = BoxArrays.build(gt.image[:30], np.zeros(30, dtype=np.int64), gt.xywh[:30])
    xywh = np.repeat(gt.xywh, 20, axis=0) + rng.normal(0, 2.0, (600, 4))
    dt = BoxArrays.build(np.zeros(600), np.zeros(600), xywh, rng.random(600))
    assert_agree(gt, dt, 1)


def test_tied_scores_follow_cocoeval_order() -> None:
    rng = np.random.default_rng(3)
    n = 12
    gt = grid_stones(rng, n, fill=0.4)
    dt = jittered(rng, gt, miss=0.1, jitter=3.0, wrong_colour=0.1, extra=60, duplicate=0.3,
                  n_images=n, score_levels=3)
    assert_agree(gt, dt, n)


def test_class_without_ground_truth_is_minus_one_and_left_out_of_the_mean() -> None:
    rng = np.random.default_rng(4)
    gt = grid_stones(rng, 5, fill=0.3)
    gt = BoxArrays.build(gt.image, np.zeros(len(gt), dtype=np.int64), gt.xywh)  # black only
    dt = jittered(rng, gt, miss=0.1, jitter=2.0, wrong_colour=0.2, extra=10, duplicate=0.0, n_images=5)
    ref = assert_agree(gt, dt, 5)
    assert ref["ap/white"] == -1.0 and ref["map"] == pytest.approx(ref["ap/black"], abs=TOL)
    m = evaluate_detections(gt, dt, 5, class_names=CLASSES)
    assert m.by_name("white").ap == -1.0 and m.by_name("white").at_threshold.recall is None


def test_no_ground_truth_at_all_gives_minus_one() -> None:
    dt = BoxArrays.build([0, 1], [0, 1], [[0, 0, 10, 10], [5, 5, 10, 10]], [0.9, 0.8])
    ref = assert_agree(BoxArrays.empty(), dt, 2)
    assert ref["map"] == -1.0


def test_images_without_detections_or_without_ground_truth() -> None:
    gt = BoxArrays.build(
        [0, 0, 1, 3], [0, 1, 0, 1],
        [[10, 10, 20, 20], [40, 10, 20, 20], [10, 10, 20, 20], [70, 70, 20, 20]],
    )
    # image 0: detections; image 1: none; image 2: no GT but a false positive; image 3: a miss.
    dt = BoxArrays.build(
        [0, 0, 2, 3], [0, 1, 0, 0],
        [[11, 10, 20, 21], [41, 12, 19, 20], [10, 10, 20, 20], [70, 70, 20, 20]],
        [0.9, 0.6, 0.95, 0.3],
    )
    assert_agree(gt, dt, 4)


def test_no_detections_at_all() -> None:
    gt = BoxArrays.build([0, 1], [0, 1], [[10, 10, 20, 20], [40, 10, 20, 20]])
    ref = assert_agree(gt, BoxArrays.empty(), 2)
    assert ref["map"] == 0.0


def test_duplicates_touching_boxes_and_exact_iou_boundaries() -> None:
    # Touching boxes have IoU 0; a 20x20 box shifted by 20/3 px has IoU exactly 0.5.
    gt = BoxArrays.build(
        [0, 0, 0, 0], [0, 0, 0, 0],
        [[0, 0, 20, 20], [20, 0, 20, 20], [40, 0, 20, 20], [0, 20, 20, 20]],
    )
    dt = BoxArrays.build(
        [0] * 8, [0] * 8,
        [
            [0, 0, 20, 20], [0, 0, 20, 20], [0.5, 0, 20, 20],  # one stone found three times
            [20 + 20 / 3, 0, 20, 20],  # IoU 0.5 with the second stone
            [60, 0, 20, 20],  # touches the third stone only
            [10, 0, 20, 20],  # straddles the first two, IoU 1/3 each
            [0, 20, 20, 20], [0, 20, 20, 20],
        ],
        [0.9, 0.9, 0.8, 0.7, 0.9, 0.95, 0.6, 0.6],
    )
    assert_agree(gt, dt, 1)


def test_competing_detections_for_neighbouring_stones() -> None:
    # Large boxes each overlapping two ground truths well enough at low IoU
    # thresholds, so the order of greedy choices matters.
    rng = np.random.default_rng(11)
    rows = []
    for i in range(40):
        for c in range(6):
            rows.append((i, 0, 10.0 + c * 12.0, 10.0, 16.0, 16.0))  # overlapping stones
    a = np.array(rows)
    gt = BoxArrays.build(a[:, 0], a[:, 1], a[:, 2:])
    dt = jittered(rng, gt, miss=0.0, jitter=4.0, wrong_colour=0.0, extra=0, duplicate=0.5,
                  n_images=40, score_levels=4)
    assert_agree(gt, dt, 40)


def test_many_images_random_sizes() -> None:
    rng = np.random.default_rng(5)
    n = 200
    count = rng.integers(0, 15, n)
    image = np.repeat(np.arange(n), count)
    xy = rng.uniform(0, 500, (len(image), 2))
    wh = rng.uniform(3, 80, (len(image), 2))
    gt = BoxArrays.build(image, rng.integers(0, 2, len(image)), np.hstack([xy, wh]))
    dt = jittered(rng, gt, miss=0.2, jitter=4.0, wrong_colour=0.1, extra=300, duplicate=0.2, n_images=n)
    assert_agree(gt, dt, n)


def test_equal_iou_goes_to_the_last_ground_truth() -> None:
    # The top detection is equally close to two overlapping stones; COCOeval gives
    # it the later one, which leaves the earlier stone for the second detection.
    gt = BoxArrays.build([0, 0], [0, 0], [[0, 0, 20, 20], [4, 0, 20, 20]])
    dt = BoxArrays.build([0, 0], [0, 0], [[2, 0, 20, 20], [-4, 0, 20, 20]], [0.9, 0.8])
    ref = assert_agree(gt, dt, 1)
    assert ref["ap50/black"] == pytest.approx(1.0)


def test_greedy_chain_where_a_loser_takes_its_second_choice() -> None:
    # d0 takes g1; d1 wanted g1 too and falls back to g2, which d2 then cannot have.
    gt = BoxArrays.build([0, 0], [0, 0], [[0, 0, 20, 20], [8, 0, 20, 20]])
    dt = BoxArrays.build(
        [0, 0, 0], [0, 0, 0], [[-3, 0, 20, 20], [3, 0, 20, 20], [12, 0, 20, 20]], [0.9, 0.8, 0.7]
    )
    ref = assert_agree(gt, dt, 1)
    assert ref["ap50/black"] == pytest.approx(1.0)
