"""Run a reader over a labelled set and score what it read.

Reading is the slow part (a model per image), so it can use every core: a
process pool whose workers each build their reader once from a factory, so the
model loads once per process. Metrics are computed afterwards in one pass.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from edge.errors import BadInputError, GobanError
from edge.evaluation.average_precision import evaluate_detections
from edge.evaluation.board_metrics import board_metrics, compare_board
from edge.evaluation.boxes import BoxArrays, box_rows
from edge.evaluation.outputs import write_outputs
from edge.evaluation.report import EvaluationReport
from edge.evaluation.samples import Dataset, KnownBoard, Prediction, Reader, ReaderFactory

# Set in each pool worker by its initializer: the one reader that process uses.
_worker_reader: Reader | None = None


def evaluate_dataset(
    dataset: Dataset,
    reader: Reader | None = None,
    *,
    reader_factory: ReaderFactory | None = None,
    out_dir: str | Path | None = None,
    workers: int = 1,
    score_threshold: float = 0.5,
    model_path: str | Path | None = None,
    model_hash: str | None = None,
    progress: bool = True,
    known_corners: bool = False,
) -> EvaluationReport:
    """Read every image of `dataset`, score the readings, write the report files
    into `out_dir` when given, and return the report.

    With `known_corners` each reader is told where the board is (the set's true
    corners and the label's size), as a saved calibration tells the appliance:
    this scores reading alone, without board finding.

    With `workers` > 1, `reader_factory` (picklable: a module-level function or a
    functools.partial of one) builds one reader per worker process; otherwise
    `reader`, or else `reader_factory()`, reads in this process.
    """
    start = time.perf_counter()
    boards = _known_boards(dataset) if known_corners else [None] * len(dataset)
    readings = _read_all(dataset, boards, reader, reader_factory=reader_factory, workers=workers, progress=progress)
    read_s = time.perf_counter() - start
    predictions = [p for p, _ in readings]
    report = score_predictions(
        dataset,
        predictions,
        detection_rows=[rows for _, rows in readings],
        score_threshold=score_threshold,
        model_path=model_path,
        model_hash=model_hash,
        workers=workers,
        read_seconds=read_s,
        known_corners=known_corners,
    )
    if out_dir is not None:
        corners = {
            str(s.image): p.corners for s, p in zip(dataset.samples, predictions) if p.corners is not None
        }
        report = write_outputs(report, out_dir, corners=corners)
    return report


def score_predictions(
    dataset: Dataset,
    predictions: Sequence[Prediction],
    *,
    detection_rows: Sequence[np.ndarray] | None = None,
    score_threshold: float = 0.5,
    model_path: str | Path | None = None,
    model_hash: str | None = None,
    workers: int = 1,
    read_seconds: float = 0.0,
    known_corners: bool = False,
) -> EvaluationReport:
    """Metrics for readings already made, one per sample in order.

    `detection_rows`, each prediction's detections as `box_rows`, saves
    converting them here when the reading loop did it already.
    """
    if len(predictions) != len(dataset):
        raise ValueError(f"{len(predictions)} readings for {len(dataset)} images")
    start = time.perf_counter()
    detection = board = None
    if dataset.has_boxes:
        gt = BoxArrays.from_image_boxes([s.boxes or () for s in dataset.samples])
        rows = detection_rows if detection_rows is not None else [box_rows(p.detections) for p in predictions]
        dt = BoxArrays.from_rows(rows)
        detection = evaluate_detections(gt, dt, len(dataset), score_threshold=score_threshold)
    if dataset.has_positions:
        results = [
            compare_board(
                s.image, s.position, p.position, fixed_orientation=dataset.fixed_orientation, failure=p.error,
                hidden=s.hidden, true_corners=s.corners, found_corners=p.corners,
            )
            for s, p in zip(dataset.samples, predictions)
            if s.position is not None
        ]
        board = board_metrics(results, fixed_orientation=dataset.fixed_orientation)
    return EvaluationReport(
        dataset=str(dataset.root),
        dataset_format=dataset.format,
        images=len(dataset),
        detection=detection,
        board=board,
        read_failures=tuple(
            (str(s.image), p.error) for s, p in zip(dataset.samples, predictions) if p.error is not None
        ),
        problems=dataset.problems,
        notes=dataset.notes,
        model=str(model_path) if model_path is not None else None,
        model_sha256=model_hash,
        workers=workers,
        known_corners=known_corners,
        seconds={"reading": read_seconds, "scoring": time.perf_counter() - start},
    )


Reading = tuple[Prediction, np.ndarray]
"""A prediction and its detections as `box_rows`."""


def _known_boards(dataset: Dataset) -> list[KnownBoard]:
    """Each sample's true corners and board size; BadInputError when a sample lacks them."""
    lacking = [s.image for s in dataset.samples if s.corners is None or s.position is None]
    if lacking:
        raise BadInputError(
            f"--known-corners: {len(lacking)} of {len(dataset)} images lack a board label with a "
            f"NAME.corners.json beside it, e.g. {lacking[0]}"
        )
    return [KnownBoard(s.corners, s.position.size) for s in dataset.samples]  # type: ignore[arg-type, union-attr]


def _read_all(
    dataset: Dataset,
    boards: Sequence[KnownBoard | None],
    reader: Reader | None,
    *,
    reader_factory: ReaderFactory | None,
    workers: int,
    progress: bool,
) -> list[Reading]:
    jobs = [(s.image, board) for s, board in zip(dataset.samples, boards)]
    bar = tqdm(total=len(jobs), desc="reading", unit="image", disable=not progress)
    try:
        if workers <= 1 or len(jobs) <= 1:
            if reader is None:
                if reader_factory is None:
                    raise ValueError("evaluate_dataset needs a reader or a reader_factory")
                reader = reader_factory()
            out = []
            for path, board in jobs:
                out.append(_read(reader, path, board))
                bar.update()
            return out
        if reader_factory is None:
            raise ValueError("reading with several workers needs a reader_factory")
        # spawn, not fork: a forked copy of a process with threads (tqdm's monitor,
        # an inference runtime's pool) can deadlock.
        context = multiprocessing.get_context("spawn")
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        with context.Pool(min(workers, len(jobs)), initializer=_init_worker, initargs=(reader_factory,)) as pool:
            out = []
            for reading in pool.imap(_read_in_worker, jobs, chunksize=chunk):
                out.append(reading)
                bar.update()
            return out
    finally:
        bar.close()


def _init_worker(factory: ReaderFactory) -> None:
    global _worker_reader
    _worker_reader = factory()


def _read_in_worker(job: tuple[Path, KnownBoard | None]) -> Reading:
    assert _worker_reader is not None, "worker started without its reader"
    return _read(_worker_reader, *job)


def _read(reader: Reader, path: Path, board: KnownBoard | None) -> Reading:
    """One reading; an expected failure (no board, unreadable image) becomes an error entry."""
    try:
        prediction = reader(path, board)
    except GobanError as exc:
        return Prediction(error=str(exc) or type(exc).__name__), np.zeros((0, 6))
    if not isinstance(prediction, Prediction):
        raise TypeError(f"the reader returned {type(prediction).__name__}, not a Prediction")
    return prediction, box_rows(prediction.detections)
