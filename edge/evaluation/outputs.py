"""Write a report's files into an output folder, each one atomically.

Pictures first, then report.md, then report.json: a report.json on disk means
the rest of the folder is complete.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Mapping

import cv2
import numpy as np

from edge.atomic import atomic_write_bytes, atomic_write_text
from edge.evaluation.gallery import draw_board_errors, encode_jpeg
from edge.evaluation.plots import Curve, draw_pr_curves, encode_png
from edge.evaluation.report import EvaluationReport, to_markdown

_CURVE_COLORS = ((200, 90, 0), (0, 140, 0), (0, 0, 200))


def write_outputs(
    report: EvaluationReport,
    out_dir: str | Path,
    *,
    corners: Mapping[str, np.ndarray] | None = None,
) -> EvaluationReport:
    """Write report.json, report.md, PR curves and the failure gallery; return the
    report with `files` and `gallery` filled in.

    `corners` maps an image path (as in the report) to the board corners the
    reader found there; wrong boards without corners are listed, not pictured.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if report.detection:
        files.update(_write_pr_curves(report, out))
    gallery = _write_gallery(report, out, corners or {}) if report.board else {}
    files["report_md"] = "report.md"
    files["report_json"] = "report.json"
    report = dataclasses.replace(report, files=files, gallery=gallery)
    atomic_write_text(out / "report.md", to_markdown(report))
    atomic_write_text(out / "report.json", json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n")
    return report


def _write_pr_curves(report: EvaluationReport, out: Path) -> dict[str, str]:
    assert report.detection is not None
    m = report.detection
    thresholds = np.asarray(m.iou_thresholds)
    recall = np.asarray(m.recall_thresholds)
    written: dict[str, str] = {}
    for c in m.classes:
        if c.ap == -1.0:
            continue
        curves = [
            Curve(f"IoU {thresholds[t]:.2f}  AP {np.mean(c.precision[t]):.3f}", recall, c.precision[t], color)
            for t, color in zip((0, int(np.argmin(np.abs(thresholds - 0.75)))), _CURVE_COLORS)
        ]
        p, r = c.at_threshold.precision, c.at_threshold.recall
        point = (r, p) if p is not None and r is not None else None
        image = draw_pr_curves(
            f"{c.name} stones: {c.ground_truth} labelled, AP@[.5:.95] {c.ap:.3f}",
            curves,
            point,
            f"score >= {m.score_threshold:g}",
        )
        name = f"pr_{_safe(c.name)}.png"
        atomic_write_bytes(out / name, encode_png(image))
        written[f"pr_{c.name}"] = name
    return written


def _write_gallery(report: EvaluationReport, out: Path, corners: Mapping[str, np.ndarray]) -> dict[str, str]:
    assert report.board is not None
    gallery: dict[str, str] = {}
    used: set[str] = set()
    for result in report.board.results:
        key = str(result.image)
        if result.correct or result.failure is not None or key not in corners:
            continue
        image = cv2.imread(key, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if image is None:
            continue
        picture = draw_board_errors(image, result, np.asarray(corners[key], dtype=np.float64))
        name = _unique(f"gallery/{_safe(result.image.stem)}.jpg", used)
        atomic_write_bytes(out / name, encode_jpeg(picture))
        gallery[key] = name
    return gallery


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text) or "image"


def _unique(name: str, used: set[str]) -> str:
    stem, suffix = name.rsplit(".", 1)
    candidate, n = name, 2
    while candidate in used:
        candidate = f"{stem}_{n}.{suffix}"
        n += 1
    used.add(candidate)
    return candidate
