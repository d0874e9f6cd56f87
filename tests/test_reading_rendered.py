"""The reading path on rendered photos (hands, glare, tilt up to 45 degrees), told where the board is.

The first boards of the reported rendered set (`tools/make_rendered_set.py`, seeds 30,000,000
and up), read as the appliance reads after calibration: with the board's true corners and size
(`goban-edge eval --known-corners`), so that this measures rectify -> detect -> board alone.
docs/accuracy.md gives the figures on all 500 boards, and those with board finding.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.cli.evaluate import make_reader
from edge.evaluation.datasets import load_dataset
from edge.evaluation.runner import evaluate_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_rendered_set.py"), "--count", "60", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def test_rendered_boards_read_with_known_corners(rendered_set: Path) -> None:
    report = evaluate_dataset(load_dataset(rendered_set), make_reader(None), progress=False, known_corners=True)
    board = report.board
    assert board is not None and board.images == 60 and board.boards_read == 60
    # The shipped model reads 99.95% of these 60 boards' points (99.93% of all 500).
    assert board.intersection_accuracy >= 0.999, board.intersection_accuracy
