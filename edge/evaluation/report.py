"""The evaluation report: every figure, as JSON, as a short Markdown page and as
a few lines for the terminal."""

from __future__ import annotations

import datetime as _dt
import math
import platform
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from edge.evaluation.average_precision import DetectionMetrics, OperatingPoint
from edge.evaluation.board_metrics import FOUND_WITHIN, STATES, BoardMetrics, BoardResult

REPORT_VERSION = 1


@dataclass(frozen=True)
class EvaluationReport:
    dataset: str
    """Path of the labelled set (or of the ground-truth JSON)."""
    dataset_format: str
    images: int
    detection: DetectionMetrics | None
    board: BoardMetrics | None
    read_failures: tuple[tuple[str, str], ...] = ()
    """(image, reader error) for images the reader could not read."""
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    model: str | None = None
    model_sha256: str | None = None
    detections_file: str | None = None
    workers: int = 1
    known_corners: bool = False
    """The reader was told where each board is (`--known-corners`): board finding is not scored."""
    seconds: Mapping[str, float] = field(default_factory=dict)
    versions: Mapping[str, str | None] = field(default_factory=lambda: software_versions())
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    files: Mapping[str, str] = field(default_factory=dict)
    """What was written: name -> path relative to the output folder."""
    gallery: Mapping[str, str] = field(default_factory=dict)
    """Image path -> failure-gallery picture, relative to the output folder."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_version": REPORT_VERSION,
            "created": self.created,
            "dataset": {
                "path": self.dataset,
                "format": self.dataset_format,
                "images": self.images,
                "problems": list(self.problems),
                "notes": list(self.notes),
            },
            "model": {"path": self.model, "sha256": self.model_sha256},
            "detections_file": self.detections_file,
            "versions": dict(self.versions),
            "settings": {
                "workers": self.workers,
                "known_corners": self.known_corners,
                "score_threshold": self.detection.score_threshold if self.detection else None,
                "max_dets": self.detection.max_dets if self.detection else None,
            },
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "detection": _detection_dict(self.detection) if self.detection else None,
            "board": _board_dict(self.board, self.gallery) if self.board else None,
            "read_failures": [{"image": i, "error": e} for i, e in self.read_failures],
            "files": dict(self.files),
        }


def software_versions() -> dict[str, str | None]:
    import importlib.metadata as md

    import cv2

    import edge

    def dist(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    return {
        "goban-edge": edge.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "litert": dist("ai-edge-litert"),
    }


def _point_dict(p: OperatingPoint) -> dict[str, Any]:
    return {
        "precision": p.precision,
        "recall": p.recall,
        "f1": p.f1,
        "true_positives": p.true_positives,
        "false_positives": p.false_positives,
        "false_negatives": p.false_negatives,
    }


def _curve(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def _detection_dict(m: DetectionMetrics) -> dict[str, Any]:
    t75 = int(np.argmin(np.abs(np.asarray(m.iou_thresholds) - 0.75)))
    return {
        "images": m.images,
        "map": m.map,
        "map50": m.map50,
        "map75": m.map75,
        "score_threshold": m.score_threshold,
        "at_threshold": _point_dict(m.at_threshold),
        "classes": {
            c.name: {
                "ground_truth": c.ground_truth,
                "detections": c.detections,
                "ap": c.ap,
                "ap50": c.ap50,
                "ap75": c.ap75,
                "ap_per_iou": [round(float(np.mean(row)), 6) for row in c.precision],
                "recall_max": c.recall_max,
                "at_threshold": _point_dict(c.at_threshold),
                "pr_curve_iou50": _curve(c.precision[0]),
                "pr_curve_iou75": _curve(c.precision[t75]),
            }
            for c in m.classes
        },
        "iou_thresholds": [round(t, 2) for t in m.iou_thresholds],
        "recall_thresholds": "101 points 0.00, 0.01, ..., 1.00 (pr_curve_* are read at these)",
        "max_dets": m.max_dets,
        "conventions": (
            "COCO bbox AP as pycocotools computes it (area all, maxDets per image and class, "
            "every stone iscrowd=0); a class without ground truth has AP -1 and is left out of "
            "the means; mAP is -1 when no class has ground truth; precision/recall/F1 at the "
            "score threshold use IoU 0.5 and are null when undefined"
        ),
    }


def _color(c: str | None) -> str:
    return {"b": "B", "w": "W", None: "."}[c]


def _result_dict(r: BoardResult, gallery: Mapping[str, str]) -> dict[str, Any]:
    return {
        "image": str(r.image),
        "correct": r.correct,
        "failure": r.failure,
        "symmetry": r.symmetry,
        "wrong_points": r.wrong_points,
        "corner_error_spacings": (
            round(r.corner_error, 3) if r.corner_error is not None and math.isfinite(r.corner_error) else None
        ),
        "errors": [
            {"point": e.label(r.expected.size), "row": e.row, "col": e.col,
             "expected": _color(e.expected), "got": _color(e.got)}
            for e in r.errors
        ],
        "gallery": gallery.get(str(r.image)),
    }


def _board_dict(m: BoardMetrics, gallery: Mapping[str, str]) -> dict[str, Any]:
    return {
        "images": m.images,
        "boards_read": m.boards_read,
        "exact_matches": m.exact_matches,
        "exact_match_rate": m.exact_match_rate,
        "intersections": m.intersections,
        "correct_intersections": m.correct_intersections,
        "intersection_accuracy": m.intersection_accuracy,
        "hidden_points": m.hidden_points,
        "corners_checked": m.corners_checked,
        "found_where_it_is": m.found_where_it_is,
        "found_intersections": m.found_intersections,
        "found_correct_intersections": m.found_correct_intersections,
        "found_intersection_accuracy": m.found_intersection_accuracy,
        "fixed_orientation": m.fixed_orientation,
        "confusion": {
            "labels": list(STATES),
            "rows": "expected",
            "columns": "read",
            "matrix": [list(row) for row in m.confusion],
        },
        "conventions": (
            "unless fixed_orientation, each reading is compared under the board's 8 symmetries "
            "and the best counts (with it, as labelled, or from another corner as near the image's "
            "top-left within twice the corner error of a board found where it is); an unread board "
            "counts all its intersections wrong; the confusion matrix covers boards that were read; "
            "points labelled hidden (?) are not scored; "
            f"a board is found where it is when every corner lies within {FOUND_WITHIN} grid spacings "
            "of the true one (sets that give NAME.corners.json)"
        ),
        "per_image": [_result_dict(r, gallery) for r in m.results],
    }


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or value == -1.0:
        return "—"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def to_markdown(report: EvaluationReport) -> str:
    lines = ["# goban-edge evaluation", ""]
    lines.append(f"- Labelled set: `{report.dataset}` ({report.dataset_format}, {report.images} images)")
    if report.detections_file:
        lines.append(f"- Detections: `{report.detections_file}`")
    if report.model or report.model_sha256:
        lines.append(f"- Model: `{report.model or '?'}` sha256 `{report.model_sha256 or '?'}`")
    versions = ", ".join(f"{k} {v}" for k, v in report.versions.items() if v)
    lines += [f"- Software: {versions}", f"- Created: {report.created}", ""]
    if report.detection:
        m = report.detection
        lines += [
            "## Stone detection",
            "",
            f"mAP@[.50:.95] **{_fmt(m.map)}**, mAP@.50 **{_fmt(m.map50)}**, mAP@.75 {_fmt(m.map75)} "
            f"(COCO, up to {m.max_dets} detections per image and class).",
            "",
            "| class | stones | AP@[.50:.95] | AP@.50 | AP@.75 | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in m.classes:
            p = c.at_threshold
            lines.append(
                f"| {c.name} | {c.ground_truth} | {_fmt(c.ap)} | {_fmt(c.ap50)} | {_fmt(c.ap75)} "
                f"| {_fmt(p.precision)} | {_fmt(p.recall)} | {_fmt(p.f1)} |"
            )
        p = m.at_threshold
        lines += [
            f"| all | {sum(c.ground_truth for c in m.classes)} | | | | {_fmt(p.precision)} "
            f"| {_fmt(p.recall)} | {_fmt(p.f1)} |",
            "",
            f"Precision, recall and F1 at score ≥ {m.score_threshold:g}, IoU 0.5. "
            "— : no ground truth for that class (pycocotools gives -1 and leaves it out of the mean).",
            "",
        ]
        curves = [name for key, name in report.files.items() if key.startswith("pr_")]
        lines += [f"![precision-recall]({name})" for name in curves]
        lines.append("")
    if report.board:
        b = report.board
        orientation = "as labelled" if b.fixed_orientation else "best of the 8 board symmetries"
        lines += [
            "## Board positions",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| boards exactly right | {b.exact_matches} / {b.images} ({_pct(b.exact_match_rate)}) |",
            f"| intersections right | {b.correct_intersections} / {b.intersections} ({_pct(b.intersection_accuracy)}) |",
            f"| boards read | {b.boards_read} / {b.images} |",
            f"| points labelled hidden (`?`), not scored | {b.hidden_points} |",
        ]
        if report.known_corners:
            lines += ["| board corners | given by the set (`--known-corners`): board finding not scored |"]
        elif b.corners_checked:
            lines += [
                f"| boards found where they are (corners within {FOUND_WITHIN} spacings) "
                f"| {b.found_where_it_is} / {b.corners_checked} |",
                f"| intersections right on those boards | {b.found_correct_intersections} / "
                f"{b.found_intersections} ({_pct(b.found_intersection_accuracy)}) |",
            ]
        lines += [
            "",
            f"Orientation: {orientation}.",
            "",
            "| expected \\ read | empty | black | white |",
            "|---|---:|---:|---:|",
        ]
        for state, row in zip(STATES, b.confusion):
            lines.append(f"| {state} | " + " | ".join(str(v) for v in row) + " |")
        wrong = [r for r in b.results if not r.correct]
        if wrong:
            lines += ["", "### Wrong boards", ""]
            for r in wrong[:50]:
                what = r.failure or ", ".join(
                    f"{e.label(r.expected.size)} {_color(e.expected)}→{_color(e.got)}" for e in r.errors[:8]
                ) + (" …" if len(r.errors) > 8 else "")
                pic = report.gallery.get(str(r.image))
                link = f" ([picture]({pic}))" if pic else ""
                lines.append(f"- `{r.image}`: {r.wrong_points} wrong — {what}{link}")
            if len(wrong) > 50:
                lines.append(f"- … and {len(wrong) - 50} more in report.json")
        lines.append("")
    if report.read_failures:
        lines += ["## Images not read", ""]
        lines += [f"- `{image}`: {error}" for image, error in report.read_failures[:50]]
        lines.append("")
    if report.problems:
        lines += ["## Skipped as bad input", ""] + [f"- {p}" for p in report.problems[:100]] + [""]
    if report.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    return "\n".join(lines)


def format_summary(report: EvaluationReport) -> str:
    """A few lines for the terminal."""
    lines = [f"{report.dataset} ({report.dataset_format}, {report.images} images)"]
    if report.detection:
        m = report.detection
        per_class = ", ".join(f"{c.name} {_fmt(c.ap50)}" for c in m.classes)
        p = m.at_threshold
        lines.append(
            f"  detection: mAP@[.5:.95] {_fmt(m.map)}  mAP@.5 {_fmt(m.map50)}  (AP@.5 {per_class})"
        )
        lines.append(
            f"             score >= {m.score_threshold:g}: precision {_fmt(p.precision)}  "
            f"recall {_fmt(p.recall)}  F1 {_fmt(p.f1)}"
        )
    if report.board:
        b = report.board
        lines.append(
            f"  boards:    {b.exact_matches}/{b.images} exactly right ({_pct(b.exact_match_rate)}), "
            f"intersections {_pct(b.intersection_accuracy)}, {b.images - b.boards_read} not read"
            + (f", {b.hidden_points} hidden points not scored" if b.hidden_points else "")
        )
        if report.known_corners:
            lines.append("             corners given by the set: board finding not scored")
        elif b.corners_checked:
            lines.append(
                f"             {b.found_where_it_is}/{b.corners_checked} boards found where they are, "
                f"intersections there {_pct(b.found_intersection_accuracy)}"
            )
    if report.read_failures and not report.board:
        lines.append(f"  not read:  {len(report.read_failures)} images")
    if report.problems:
        lines.append(f"  skipped:   {len(report.problems)} bad inputs (listed in the report)")
    return "\n".join(lines)
