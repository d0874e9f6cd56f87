"""Automatic board finding on the 52 real photographs of the Imago test suite.

The suite gives positions, not corners, so the corners are checked through
a deliberately crude stone reader on the rectified board: a lattice off by
half a spacing reads stones on the wrong points. The thresholds are what the
finder achieves today (see `python -m calibration.survey`), not wishes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration.check import _local_error
from calibration.survey import SurveyRow, find_images, survey_image

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"


@pytest.fixture(scope="module")
def survey() -> list[SurveyRow]:
    paths = find_images(DATA)
    assert len(paths) == 52, f"expected the 52 imago photos under {DATA}"
    return [survey_image(p, None) for p in paths]


def test_board_found_in_every_photo(survey: list[SurveyRow]) -> None:
    missing = [r.name for r in survey if not r.found]
    assert missing == []
    assert all(r.size == 19 for r in survey)


def test_crude_reading_agrees_with_expected_positions(survey: list[SurveyRow]) -> None:
    agreement = np.array([r.agreement for r in survey])
    assert agreement.min() >= 0.99, {r.name: r.agreement for r in survey if r.agreement < 0.99}
    assert agreement.mean() >= 0.997
    # Boards with many stones pin the corners down hardest.
    crowded = [r for r in survey if r.stones >= 40]
    assert len(crowded) >= 15
    assert all(r.wrong_points <= 4 for r in crowded), {r.name: r.wrong_points for r in crowded}
    assert sum(r.wrong_points == 0 for r in survey) >= 30


def test_grid_fits_tightly(survey: list[SurveyRow]) -> None:
    rel = np.array([r.error_px / r.spacing_px for r in survey])
    # Webcam frames fit to ~1% of a spacing; the phone photos of a folding
    # board (two slightly angled halves) to 2-4%.
    assert rel.max() < 0.05, {r.name: round(e, 3) for r, e in zip(survey, rel) if e >= 0.05}
    webcam = [e for r, e in zip(survey, rel) if not r.name.startswith("t1")]
    assert max(webcam) < 0.015


def test_local_check_recognises_its_own_board(survey: list[SurveyRow]) -> None:
    # The fallback of --check (lines looked for where the calibration puts
    # them) on a real frame: the grid is there and agrees closely.
    from calibration.find import find_board
    from calibration.frames import read_image
    from calibration.store import Calibration

    image = read_image(DATA / "t2" / "t2_101.jpg")
    cal = Calibration.from_fit(find_board(image), "t2_101")
    local = _local_error(cal, image)
    assert local is not None and local[0] < 0.5
    assert _local_error(cal, np.full_like(image, 128)) is None
