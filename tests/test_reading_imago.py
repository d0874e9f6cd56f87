"""The whole reading path on the 52 real Imago photographs, corners found automatically.

A floor on what the shipped model and reader achieve (docs/accuracy.md lists the
boards that still fail and why: two wrong expected files and a fingertip), so
that a change that makes real photos read worse fails here.
"""

from __future__ import annotations

from pathlib import Path

from edge.cli.evaluate import make_reader
from edge.evaluation.datasets import load_dataset
from edge.evaluation.runner import evaluate_dataset

IMAGO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"


def test_imago_photos_read_with_automatic_corners() -> None:
    assert IMAGO.is_dir(), f"the shared Imago photos are missing: {IMAGO}"
    report = evaluate_dataset(load_dataset(IMAGO), make_reader(None), progress=False)
    board = report.board
    assert board is not None and board.images == 52
    assert board.boards_read == 52
    assert board.exact_matches >= 49
    assert board.intersection_accuracy >= 0.999
