"""`goban-edge eval`: score the reader on a labelled set, or score a COCO results file.

    goban-edge eval DATASET [--model M] [--format coco|yolo|board] [--out DIR]
                    [--skip-bad] [--workers N] [--fixed-orientation] [--score-threshold T]
                    [--known-corners]
    goban-edge eval --gt GT.json --detections DETS.json [--out DIR]

The main CLI adds these arguments with `add_arguments` and calls `run` with a
reader factory: a picklable callable taking the `--model` path (None for the
default model) and returning a `Reader`; it is called once per worker process.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Callable, TextIO

from edge.errors import BadInputError, GobanError, ModelError
from edge.evaluation.coco_results import evaluate_coco_files
from edge.evaluation.datasets import FORMATS, load_dataset
from edge.evaluation.report import EvaluationReport, format_summary
from edge.evaluation.runner import evaluate_dataset
from edge.evaluation.samples import Reader

ModelReaderFactory = Callable[[Path | None], Reader]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", nargs="?", type=Path, help="labelled set: COCO .json or folder, YOLO folder, board folder")
    parser.add_argument("--model", type=Path, help="model file to read with (default: the installed model)")
    parser.add_argument("--format", choices=FORMATS, help="format of DATASET (default: detected)")
    parser.add_argument("--out", type=Path, help="folder for report.json, report.md and pictures (default: ./goban-eval-TIME)")
    parser.add_argument("--skip-bad", action="store_true", help="skip bad labels and list them in the report instead of stopping")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="reader processes (default: one per core)")
    parser.add_argument("--fixed-orientation", action="store_true", help="compare boards as labelled, not up to rotation and reflection")
    parser.add_argument("--known-corners", action="store_true",
                        help="tell the reader where each board is (NAME.corners.json, the label's size), as a "
                             "saved calibration does, instead of finding it: scores reading without board finding")
    parser.add_argument("--score-threshold", type=float, default=0.5, help="operating score for precision/recall/F1 (default 0.5)")
    parser.add_argument("--gt", type=Path, help="COCO ground truth JSON (with --detections)")
    parser.add_argument("--detections", type=Path, help="COCO results JSON to score against --gt")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(
    args: argparse.Namespace,
    reader_factory: ModelReaderFactory | None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command; returns the exit status (GobanError's exit_code on failure)."""
    out_stream = stdout or sys.stdout
    err_stream = stderr or sys.stderr
    out_dir = args.out or Path(f"goban-eval-{_dt.datetime.now():%Y%m%d-%H%M%S}")
    try:
        report = _evaluate(args, reader_factory, out_dir)
    except GobanError as exc:
        print(f"goban-edge eval: {exc}", file=err_stream)
        return exc.exit_code
    print(format_summary(report), file=out_stream)
    print(f"report: {out_dir / 'report.md'}", file=out_stream)
    return 0


def _evaluate(
    args: argparse.Namespace, reader_factory: ModelReaderFactory | None, out_dir: Path
) -> EvaluationReport:
    if not 0.0 <= args.score_threshold <= 1.0:
        raise BadInputError(f"--score-threshold {args.score_threshold} is outside 0..1")
    if args.gt is not None or args.detections is not None:
        if args.gt is None or args.detections is None:
            raise BadInputError("--gt and --detections go together")
        if args.dataset is not None:
            raise BadInputError("give either DATASET or --gt with --detections, not both")
        if args.known_corners:
            raise BadInputError("--known-corners reads a DATASET's images; --gt with --detections reads none")
        return evaluate_coco_files(
            args.gt, args.detections, out_dir=out_dir, score_threshold=args.score_threshold,
            skip_bad=args.skip_bad,
        )
    if args.dataset is None:
        raise BadInputError("name a labelled set (DATASET), or --gt with --detections")
    if args.workers < 1:
        raise BadInputError(f"--workers {args.workers}: needs at least 1")
    if reader_factory is None:
        raise ModelError("no image reader is available to evaluate with")
    dataset = load_dataset(
        args.dataset, args.format, skip_bad=args.skip_bad, fixed_orientation=True if args.fixed_orientation else None
    )
    return evaluate_dataset(
        dataset,
        reader_factory=functools.partial(reader_factory, args.model),
        out_dir=out_dir,
        workers=args.workers,
        score_threshold=args.score_threshold,
        model_path=args.model,
        model_hash=file_sha256(args.model) if args.model is not None else None,
        progress=not args.quiet,
        known_corners=args.known_corners,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model ({exc})") from None
    return digest.hexdigest()
