"""Match detections to ground truth exactly as pycocotools' `COCOeval.evaluateImg` does.

Per image and class, detections are taken in order of falling score (a stable
sort, so equal scores keep their input order) and each takes the still-unmatched
ground-truth box with the highest IoU that reaches the threshold; among equal
IoUs the LAST box in label order wins, as in COCOeval's `<` test. Only the top
`max_dets` detections of each image and class take part.

The greedy loop is sequential by nature; this module gets the same result without
a Python loop per detection:

* IoU >= 0.5 implies each box's centre lies inside the other box, so candidate
  pairs come from a sorted search on the ground-truth centres rather than a full
  IoU matrix per image;
* a pair whose detection and ground truth have no other candidate matches at
  every threshold its IoU reaches, whatever the order (the usual case);
* a box whose candidates have no other box (one stone found several times)
  goes, at each threshold, to the earliest candidate reaching it;
* the remaining pairs (crowded, overlapping stones) are settled in rounds: a
  detection keeps its best available box once no earlier undecided detection
  of the same image, class and threshold could still take that box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.evaluation.boxes import BoxArrays

IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
"""COCO's 10 IoU thresholds, built exactly as pycocotools builds them."""
MAX_DETS = 500
"""Detections kept per image and class: a full 19x19 board holds 361 stones,
COCO's default of 100 would cut real boards short."""


@dataclass(frozen=True)
class Matches:
    """The detections that take part, in accumulation order, with their outcome.

    Accumulation order is falling score, ties by image index, then input order:
    the order in which pycocotools' `accumulate` sees them. Restricted to one
    image and class it is also the order in which `evaluateImg` matches them.
    """

    image: np.ndarray
    """(D,) image index."""
    label: np.ndarray
    """(D,) class index."""
    score: np.ndarray
    """(D,) score, falling."""
    source: np.ndarray
    """(D,) index of each detection in the input arrays."""
    matched: np.ndarray
    """(T, D) bool: matched to a ground-truth box at threshold t."""
    ground_truth: np.ndarray
    """(K,) ground-truth boxes per class."""
    iou_thresholds: np.ndarray


def match_detections(
    gt: BoxArrays,
    dt: BoxArrays,
    n_classes: int,
    iou_thresholds: np.ndarray = IOU_THRESHOLDS,
    max_dets: int = MAX_DETS,
) -> Matches:
    _check(gt, "ground truth", n_classes)
    _check(dt, "detections", n_classes)
    thresholds = np.asarray(iou_thresholds, dtype=np.float64)
    if len(thresholds) == 0 or np.any(np.diff(thresholds) <= 0):
        raise ValueError("IoU thresholds must be rising")
    # COCOeval caps a threshold just below 1 so that IoU == 1 still matches at 1.0.
    effective = np.minimum(thresholds, 1 - 1e-10)

    order, by_image = _accumulation_order(dt, n_classes, max_dets)
    n_det = len(order)
    # Candidates are searched with detections in image order, so the searches
    # walk the sorted ground truth forwards instead of jumping about.
    d_grp = dt.image[by_image] * n_classes + dt.label[by_image]
    d_box = _columns(dt.xywh, by_image)
    g_grp = gt.image * n_classes + gt.label
    g_box = _columns(gt.xywh, np.arange(len(gt)))
    pair_j, pair_g = _candidate_pairs(g_grp, g_box, d_grp, d_box)
    iou = _iou([c[pair_j] for c in d_box], [c[pair_g] for c in g_box])
    keep = iou >= effective[0]
    position = np.full(len(dt), -1, dtype=np.int64)
    position[order] = np.arange(n_det)
    pair_d = position[by_image[pair_j[keep]]]
    pair_g, iou = pair_g[keep], iou[keep]
    kept = pair_d >= 0  # detections past the per-image cap take no part
    pair_d, pair_g, iou = pair_d[kept], pair_g[kept], iou[kept]

    # A detection and a ground truth that are each other's only candidate match
    # at every threshold their IoU reaches, whatever the order (the usual case).
    deg_d = np.bincount(pair_d, minlength=n_det)
    deg_g = np.bincount(pair_g, minlength=len(gt))
    lonely = (deg_d[pair_d] == 1) & (deg_g[pair_g] == 1)
    reached = np.zeros(n_det, dtype=np.int64)
    reached[pair_d[lonely]] = np.searchsorted(effective, iou[lonely], side="right")
    matched = np.arange(len(thresholds))[:, None] < reached[None, :]
    # A box whose candidates have no other box (one stone found several times)
    # goes to the earliest of them that reaches the threshold.
    shared_d = np.bincount(pair_g, weights=deg_d[pair_d] > 1, minlength=len(gt))
    star = ~lonely & (shared_d[pair_g] == 0)
    _match_stars(pair_d[star], pair_g[star], iou[star], effective, matched)
    rest = ~lonely & ~star
    _match_in_rounds(pair_d[rest], pair_g[rest], iou[rest], effective, matched)

    return Matches(
        image=dt.image[order],
        label=dt.label[order],
        score=dt.score[order],
        source=order,
        matched=matched,
        ground_truth=np.bincount(gt.label, minlength=n_classes),
        iou_thresholds=thresholds,
    )


def _check(boxes: BoxArrays, what: str, n_classes: int) -> None:
    if not (np.isfinite(boxes.xywh).all() and np.isfinite(boxes.score).all()):
        raise ValueError(f"{what} hold a box or score that is not a finite number")
    if len(boxes) and (boxes.label.min() < 0 or boxes.label.max() >= n_classes or boxes.image.min() < 0):
        raise ValueError(f"{what} hold a class or image index out of range")


def _columns(xywh: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
    """x, y, w, h of the chosen boxes as four contiguous arrays (gathers stay fast)."""
    return [np.take(np.ascontiguousarray(xywh[:, i]), idx) for i in range(4)]


def _accumulation_order(dt: BoxArrays, n_classes: int, max_dets: int) -> tuple[np.ndarray, np.ndarray]:
    """Input indices by (falling score, image, input order), without the
    detections past the first `max_dets` of their image and class; and all input
    indices by (image, input order)."""
    if np.all(dt.image[1:] >= dt.image[:-1]):  # the usual case: input comes by image
        by_image = np.arange(len(dt), dtype=np.int64)
    else:
        by_image = np.argsort(dt.image, kind="stable")
    order = by_image[_stable_argsort(-dt.score[by_image])]
    if len(order) == 0:
        return order, by_image
    grp = dt.image[order] * n_classes + dt.label[order]
    if np.bincount(grp).max() <= max_dets:
        return order, by_image
    by_grp = np.argsort(grp, kind="stable")
    grp_sorted = grp[by_grp]
    starts = np.flatnonzero(np.r_[True, grp_sorted[1:] != grp_sorted[:-1]])
    rank = np.empty(len(order), dtype=np.int64)
    rank[by_grp] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return order[rank < max_dets], by_image


def _stable_argsort(values: np.ndarray) -> np.ndarray:
    """`np.argsort(values, kind="stable")`, faster when ties are few: an unstable
    sort, then each run of equal values put back in index order."""
    order = np.argsort(values)
    if len(order) < 2:
        return order
    ranked = values[order]
    tie = ranked[1:] == ranked[:-1]
    if not tie.any():
        return order
    in_run = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])
    run = np.cumsum(np.r_[True, ~tie])[in_run]
    order[in_run] = order[in_run][np.lexsort((order[in_run], run))]
    return order


def _candidate_pairs(
    g_grp: np.ndarray, g_box: list[np.ndarray], d_grp: np.ndarray, d_box: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(detection, ground truth) pairs of one group with the gt centre inside the
    detection box: a superset of the pairs with IoU >= 0.5."""
    empty = np.zeros(0, dtype=np.int64)
    if len(g_grp) == 0 or len(d_grp) == 0:
        return empty, empty
    g_cx = g_box[0] + g_box[2] / 2
    g_cy = g_box[1] + g_box[3] / 2
    d_x0 = np.minimum(d_box[0], d_box[0] + d_box[2])
    d_x1 = np.maximum(d_box[0], d_box[0] + d_box[2])
    d_y0 = np.minimum(d_box[1], d_box[1] + d_box[3])
    d_y1 = np.maximum(d_box[1], d_box[1] + d_box[3])
    lo = min(g_cx.min(), d_x0.min())
    span = max(g_cx.max(), d_x1.max()) - lo
    span_y = max(np.abs(g_cy).max(), np.abs(d_y0).max(), np.abs(d_y1).max())
    # One key line for all groups: each group gets its own stretch, with a gap of
    # more than 1 px to the next, so a padded search never leaves its group. The
    # padding keeps the search a superset despite rounding; IoU decides.
    pad = 1e-6 * span + 1e-6
    pad_y = 1e-6 * span_y + 1e-6
    stride = span + 8 * pad + 1.0
    g_key = g_grp * stride + (g_cx - lo)
    g_sorted = np.argsort(g_key)
    keys = g_key[g_sorted]
    base = d_grp * stride - lo
    first = np.searchsorted(keys, base + d_x0 - pad, side="left")
    last = np.searchsorted(keys, base + d_x1 + pad, side="right")
    count = last - first
    total = int(count.sum())
    # Positions in the sorted ground truth: each detection's run, back to back.
    at = np.arange(total, dtype=np.int64) + np.repeat(first - (np.cumsum(count) - count), count)
    cy = g_cy[g_sorted][at]
    inside = (cy >= np.repeat(d_y0 - pad_y, count)) & (cy <= np.repeat(d_y1 + pad_y, count))
    pair_d = np.repeat(np.arange(len(d_grp), dtype=np.int64), count)[inside]
    return pair_d, g_sorted[at[inside]]


def _iou(d: list[np.ndarray], g: list[np.ndarray]) -> np.ndarray:
    """Pairwise IoU of xywh boxes, with the operations of pycocotools' `bbIou`."""
    dx, dy, dw, dh = d
    gx, gy, gw, gh = g
    w = np.minimum(dw + dx, gw + gx) - np.maximum(dx, gx)
    h = np.minimum(dh + dy, gh + gy) - np.maximum(dy, gy)
    overlap = (w > 0) & (h > 0)
    inter = w * h
    union = dw * dh + gw * gh - inter
    out = np.zeros(len(dx), dtype=np.float64)
    np.divide(inter, union, out=out, where=overlap)
    return out


def _match_stars(
    pair_d: np.ndarray, pair_g: np.ndarray, iou: np.ndarray, effective: np.ndarray, matched: np.ndarray
) -> None:
    """Pairs whose detections each have this one box as their only candidate."""
    if len(pair_d) == 0:
        return
    by_g = np.lexsort((pair_d, pair_g))  # per box, earliest detection first
    g_sorted, d_sorted, iou_sorted = pair_g[by_g], pair_d[by_g], iou[by_g]
    for t, threshold in enumerate(effective):
        reach = np.flatnonzero(iou_sorted >= threshold)
        g = g_sorted[reach]
        first = reach[np.r_[True, g[1:] != g[:-1]][: len(reach)]]
        matched[t, d_sorted[first]] = True


def _match_in_rounds(
    pair_d: np.ndarray,
    pair_g: np.ndarray,
    iou: np.ndarray,
    effective: np.ndarray,
    matched: np.ndarray,
) -> None:
    """Settle pairs that compete for a box, all thresholds at once, into `matched`.

    Each round, every undecided detection picks its best available box; it keeps
    it if no earlier undecided detection (same threshold, image and class) has
    that box among its candidates, for then the sequential greedy would give it
    the same box. The earliest undecided detection of a group always settles.
    """
    n_t = len(effective)
    if len(pair_d) == 0:
        return
    per_t = [np.flatnonzero(iou >= t) for t in effective]
    t_idx = np.repeat(np.arange(n_t), [len(p) for p in per_t])
    sel = np.concatenate(per_t)
    det, gtb, val = pair_d[sel], pair_g[sel], iou[sel]
    d_key = t_idx * matched.shape[1] + det
    g_key = t_idx * (int(gtb.max()) + 1) + gtb
    # Sorted once; filtering keeps both orders, so rounds need no sorting.
    by_d = np.lexsort((gtb, val, d_key))  # best candidate last in each run
    by_g = np.lexsort((det, g_key))  # earliest detection first in each run
    d_id = np.empty(len(det), dtype=np.int64)
    d_id[by_d] = np.cumsum(np.r_[True, d_key[by_d][1:] != d_key[by_d][:-1]]) - 1
    g_id = np.empty(len(det), dtype=np.int64)
    g_id[by_g] = np.cumsum(np.r_[True, g_key[by_g][1:] != g_key[by_g][:-1]]) - 1
    det_done = np.zeros(int(d_id.max()) + 1, dtype=bool)
    gt_taken = np.zeros(int(g_id.max()) + 1, dtype=bool)
    earliest = np.empty(len(gt_taken), dtype=np.int64)
    alive = np.ones(len(det), dtype=bool)
    while True:
        a_d = by_d[alive[by_d]]
        if len(a_d) == 0:
            return
        best = a_d[np.r_[d_id[a_d][1:] != d_id[a_d][:-1], True]]
        a_g = by_g[alive[by_g]]
        first = a_g[np.r_[True, g_id[a_g][1:] != g_id[a_g][:-1]]]
        earliest[g_id[first]] = det[first]
        win = best[earliest[g_id[best]] == det[best]]
        matched[t_idx[win], det[win]] = True
        det_done[d_id[win]] = True
        gt_taken[g_id[win]] = True
        alive &= ~det_done[d_id] & ~gt_taken[g_id]
