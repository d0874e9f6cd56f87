"""Score detections made elsewhere: a COCO results file against a COCO ground truth.

The results file is what pycocotools' `loadRes` reads: a list of
`{"image_id", "category_id", "bbox": [x, y, w, h], "score"}`. As there, every
image of the ground truth is evaluated (an image without detections has its
stones missed) and a detection on an image the ground truth lacks is an error.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import BadInputError
from edge.evaluation.average_precision import evaluate_detections
from edge.evaluation.boxes import BoxArrays
from edge.evaluation.classes import COLOR_INDEX
from edge.evaluation.coco_format import CocoGroundTruth, is_id, read_coco_ground_truth, read_json
from edge.evaluation.outputs import write_outputs
from edge.evaluation.problems import ProblemLog
from edge.evaluation.report import EvaluationReport


def read_coco_detections(path: Path, gt: CocoGroundTruth) -> tuple[BoxArrays, list[str]]:
    """Detections on the ground truth's stone classes, in file order, and notes."""
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        data = data["annotations"]
    if not isinstance(data, list):
        raise BadInputError(f"{path}: expected a list of detections (COCO results format)")
    image_index = {im.id: n for n, im in enumerate(gt.images)}
    classes = {cid: COLOR_INDEX[c] for cid, c in gt.category_colors.items()}
    image, label, boxes, scores = [], [], [], []
    other_classes = unknown_classes = skipped_images = 0
    for n, det in enumerate(data):
        key = f"[{n}]"
        if not isinstance(det, dict):
            raise BadInputError(f"{path} {key}: not an object")
        image_id = det.get("image_id")
        if not is_id(image_id) or image_id not in image_index:
            raise BadInputError(f"{path} {key}.image_id: no image with id {image_id!r} in {gt.path}")
        cid = det.get("category_id")
        if not is_id(cid) or cid not in gt.category_names:
            unknown_classes += 1
            continue
        if cid not in classes:
            other_classes += 1
            continue
        box = det.get("bbox")
        if not (isinstance(box, list) and len(box) == 4 and all(_finite(v) for v in box)):
            raise BadInputError(f"{path} {key}.bbox: expected [x, y, width, height] numbers, got {box!r}")
        if box[2] < 0 or box[3] < 0:
            raise BadInputError(f"{path} {key}.bbox: negative width or height in {box!r}")
        score = det.get("score")
        if not _finite(score):
            raise BadInputError(f"{path} {key}.score: missing or not a number")
        if image_id in gt.skipped:
            skipped_images += 1
            continue
        image.append(image_index[image_id])
        label.append(classes[cid])
        boxes.append([float(v) for v in box])
        scores.append(float(score))
    notes = []
    if other_classes:
        notes.append(f"{path}: {other_classes} detections of non-stone classes ignored")
    if unknown_classes:
        notes.append(f"{path}: {unknown_classes} detections of categories not in {gt.path} ignored")
    if skipped_images:
        notes.append(f"{path}: {skipped_images} detections on images skipped as bad ignored")
    arrays = BoxArrays.build(image, label, boxes, scores) if image else BoxArrays.empty()
    return arrays, notes


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def evaluate_coco_files(
    gt_json: str | Path,
    dets_json: str | Path,
    *,
    out_dir: str | Path | None = None,
    score_threshold: float = 0.5,
    skip_bad: bool = False,
) -> EvaluationReport:
    """COCO AP / mAP and the operating point for a results file; writes the
    report files into `out_dir` when given."""
    start = time.perf_counter()
    gt_path, dets_path = Path(gt_json), Path(dets_json)
    problems = ProblemLog(skip_bad)
    gt = read_coco_ground_truth(gt_path, problems)
    dt, notes = read_coco_detections(dets_path, gt)
    keep = [n for n, im in enumerate(gt.images) if im.id not in gt.skipped]
    if len(keep) != len(gt.images):
        # Renumber so the skipped images vanish but the order of the rest stays.
        gt, dt = _without_images(gt, dt, keep)
    metrics = evaluate_detections(gt.boxes, dt, len(gt.images), score_threshold=score_threshold)
    report = EvaluationReport(
        dataset=str(gt_path),
        dataset_format="coco",
        images=len(gt.images),
        detection=metrics,
        board=None,
        problems=tuple(problems.problems),
        notes=tuple(gt.notes) + tuple(notes),
        detections_file=str(dets_path),
        seconds={"scoring": time.perf_counter() - start},
    )
    return write_outputs(report, out_dir) if out_dir is not None else report


def _without_images(gt: CocoGroundTruth, dt: BoxArrays, keep: list[int]) -> tuple[CocoGroundTruth, BoxArrays]:
    new_index = np.full(len(gt.images), -1, dtype=np.int64)
    new_index[keep] = np.arange(len(keep))

    def renumber(boxes: BoxArrays) -> BoxArrays:
        idx = new_index[boxes.image]
        m = idx >= 0
        return BoxArrays(idx[m], boxes.label[m], boxes.xywh[m], boxes.score[m])

    images = tuple(gt.images[n] for n in keep)
    return dataclasses.replace(gt, images=images, boxes=renumber(gt.boxes)), renumber(dt)
