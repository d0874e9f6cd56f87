"""Evaluate the reader on labelled sets: COCO mAP for stone boxes (agreeing with
pycocotools), board accuracy for whole positions, and the report files.

Entry points: `load_dataset`, `evaluate_dataset`, `evaluate_coco_files`,
`evaluate_detections`, `format_summary`; the CLI glue is in `command`.
"""

from edge.evaluation.average_precision import DetectionMetrics, evaluate_detections
from edge.evaluation.board_metrics import BoardMetrics, BoardResult, compare_board
from edge.evaluation.boxes import BoxArrays
from edge.evaluation.coco_results import evaluate_coco_files
from edge.evaluation.datasets import detect_format, load_dataset
from edge.evaluation.report import EvaluationReport, format_summary
from edge.evaluation.runner import evaluate_dataset, score_predictions
from edge.evaluation.samples import Dataset, ImageBox, KnownBoard, Prediction, Reader, ReaderFactory, Sample

__all__ = [
    "BoardMetrics",
    "BoardResult",
    "BoxArrays",
    "Dataset",
    "DetectionMetrics",
    "EvaluationReport",
    "ImageBox",
    "KnownBoard",
    "Prediction",
    "Reader",
    "ReaderFactory",
    "Sample",
    "compare_board",
    "detect_format",
    "evaluate_coco_files",
    "evaluate_dataset",
    "evaluate_detections",
    "format_summary",
    "load_dataset",
    "score_predictions",
]
