"""COCO-style average precision, as pycocotools' `COCOeval.accumulate` computes it.

For each class, the matched detections of all images are sorted by falling
score (a stable sort over images in index order, so ties keep pycocotools' order),
precision is made monotone from the right, and read at 101 recall points with
`searchsorted(..., side="left")`; beyond the highest recall reached it is 0.

Conventions, all pycocotools':
* a class with no ground-truth box gets AP = -1 and is left out of every mean
  (its detections count nowhere in mAP);
* when no class has ground truth, mAP is -1;
* area range "all" only; every labelled stone counts (iscrowd = 0).

Precision, recall and F1 at the operating score threshold use the IoU 0.5
matching; precision is None with no detection above the threshold, recall None
with no ground truth.

One pycocotools quirk is NOT reproduced: COCOeval records a match by the ground
truth's annotation id, so a match to an annotation with id 0 reads as "no match"
and counts as a false positive. Roboflow numbers annotations from 0, so
pycocotools run on a Roboflow export undercounts by one stone per such file;
compare with ids renumbered from 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.evaluation.boxes import BoxArrays
from edge.evaluation.classes import CLASS_NAMES
from edge.evaluation.matching import IOU_THRESHOLDS, MAX_DETS, Matches, match_detections

RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
"""COCO's 101 recall points, built exactly as pycocotools builds them."""
MISSING = -1.0
"""pycocotools' value for a class without ground truth."""


@dataclass(frozen=True)
class OperatingPoint:
    """Counts and rates at one score threshold, IoU 0.5."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        total = self.true_positives + self.false_negatives
        return self.true_positives / total if total else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass(frozen=True)
class ClassDetectionMetrics:
    name: str
    ground_truth: int
    detections: int
    """Detections that took part (after the per-image cap)."""
    ap: float
    """AP averaged over IoU 0.50:0.95; -1 without ground truth."""
    ap50: float
    ap75: float
    recall_max: float
    """Recall reached over all detections at IoU 0.5; -1 without ground truth."""
    at_threshold: OperatingPoint
    precision: np.ndarray
    """(T, R) interpolated precision at each IoU and recall threshold; -1 without
    ground truth. Row 0 is the IoU 0.5 precision-recall curve."""


@dataclass(frozen=True)
class DetectionMetrics:
    classes: tuple[ClassDetectionMetrics, ...]
    map: float
    """mAP over IoU 0.50:0.95 (pycocotools' AP @[.50:.95] for area all)."""
    map50: float
    map75: float
    at_threshold: OperatingPoint
    """All stone classes together."""
    score_threshold: float
    images: int
    max_dets: int
    iou_thresholds: tuple[float, ...]
    recall_thresholds: tuple[float, ...]

    def by_name(self, name: str) -> ClassDetectionMetrics:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)


def evaluate_detections(
    gt: BoxArrays,
    dt: BoxArrays,
    n_images: int,
    *,
    class_names: tuple[str, ...] = CLASS_NAMES,
    score_threshold: float = 0.5,
    max_dets: int = MAX_DETS,
) -> DetectionMetrics:
    """Per-class AP, mAP and the operating point for detections on `n_images` images."""
    for boxes, what in ((gt, "ground truth"), (dt, "detections")):
        if len(boxes) and boxes.image.max() >= n_images:
            raise ValueError(f"{what} name image {int(boxes.image.max())} of only {n_images}")
    matches = match_detections(gt, dt, len(class_names), IOU_THRESHOLDS, max_dets)
    hits = _true_positives(matches, len(class_names))
    classes = tuple(
        _class_metrics(matches, hits[k], k, name, score_threshold) for k, name in enumerate(class_names)
    )
    scored = [c for c in classes if c.ap != MISSING]
    total = OperatingPoint(
        sum(c.at_threshold.true_positives for c in classes),
        sum(c.at_threshold.false_positives for c in classes),
        sum(c.at_threshold.false_negatives for c in classes),
    )
    return DetectionMetrics(
        classes=classes,
        map=_mean([c.ap for c in scored]),
        map50=_mean([c.ap50 for c in scored]),
        map75=_mean([c.ap75 for c in scored]),
        at_threshold=total,
        score_threshold=score_threshold,
        images=n_images,
        max_dets=max_dets,
        iou_thresholds=tuple(float(t) for t in IOU_THRESHOLDS),
        recall_thresholds=tuple(float(r) for r in RECALL_THRESHOLDS),
    )


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else MISSING


def _true_positives(matches: Matches, n_classes: int) -> list[list[np.ndarray]]:
    """[class][threshold]: rising positions, among the detections of that class,
    of the matched ones."""
    rank = np.zeros(len(matches.label), dtype=np.int64)
    for k in range(n_classes):
        is_k = matches.label == k
        rank[is_k] = np.arange(int(np.count_nonzero(is_k)))
    out: list[list[np.ndarray]] = [[] for _ in range(n_classes)]
    for row in matches.matched:
        found = np.flatnonzero(row)
        label, where = matches.label[found], rank[found]
        for k in range(n_classes):
            out[k].append(where[label == k])
    return out


def _class_metrics(
    matches: Matches, hits: list[np.ndarray], k: int, name: str, threshold: float
) -> ClassDetectionMetrics:
    # Matches are in accumulation order already: falling score, ties by image
    # then input order, as pycocotools' concatenate + mergesort leaves them.
    is_k = matches.label == k
    n_gt = int(matches.ground_truth[k])
    n_dt = int(np.count_nonzero(is_k))
    scores = matches.score[is_k]
    n_t, n_r = len(matches.iou_thresholds), len(RECALL_THRESHOLDS)
    tp_at = int(np.count_nonzero(scores[hits[0]] >= threshold))
    point = OperatingPoint(tp_at, int(np.count_nonzero(scores >= threshold)) - tp_at, n_gt - tp_at)
    if n_gt == 0:
        precision = np.full((n_t, n_r), MISSING)
        return ClassDetectionMetrics(name, 0, n_dt, MISSING, MISSING, MISSING, MISSING, point, precision)

    precision = np.zeros((n_t, n_r))
    for t, hit in enumerate(hits):
        if len(hit) == 0:
            continue
        # Precision only rises at a true positive and recall only moves there, so
        # the envelope and the recall search need the true positives alone. The
        # arithmetic is pycocotools' tp / (fp + tp + eps): fp + tp is the exact
        # integer count of detections seen, hit + 1.
        tp = np.arange(1, len(hit) + 1, dtype=np.float64)
        pr = tp / ((hit + 1).astype(np.float64) + np.spacing(1))
        inds = np.searchsorted(tp / n_gt, RECALL_THRESHOLDS, side="left")
        inside = inds < len(hit)
        starts = inds[inside]
        # Envelope max(pr[i:]) at the few read points: segment maxima, then suffix maxima.
        segment_max = np.maximum.reduceat(pr, starts)
        precision[t, inside] = np.maximum.accumulate(segment_max[::-1])[::-1]
    t75 = int(np.flatnonzero(np.isclose(matches.iou_thresholds, 0.75))[0])
    return ClassDetectionMetrics(
        name=name,
        ground_truth=n_gt,
        detections=n_dt,
        ap=float(np.mean(precision)),
        ap50=float(np.mean(precision[0])),
        ap75=float(np.mean(precision[t75])),
        recall_max=len(hits[0]) / n_gt,
        at_threshold=point,
        precision=precision,
    )
