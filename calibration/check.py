"""Is a saved calibration still right for what the camera sees now?

The board is found afresh in the new frame and its intersections compared
with where the calibration puts them. The RMS distance is the error; above
the threshold the board or the camera has moved. When the board cannot be
found afresh (a calibration made with manual corners, say), the grid lines
are looked for right where the calibration expects them instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.evidence import line_evidence
from calibration.corner_model import CornerModel
from calibration.find import BoardFit, find_board
from calibration.grid import Lattice, grid_contrast, observe
from calibration.store import Calibration
from edge.errors import BadInputError, NoBoardError

DEFAULT_THRESHOLD_SPACINGS = 0.1
"""Default threshold: a tenth of a grid spacing, well inside what reading stones tolerates."""


@dataclass(frozen=True)
class CheckResult:
    moved: bool
    error_px: float
    """RMS distance (camera pixels) between saved and observed intersections."""
    threshold_px: float
    max_shift_px: float
    """Largest distance of any intersection."""
    method: str
    """"refit" (board found afresh) or "local" (lines looked for where expected)."""
    fit: BoardFit | None = None

    def summary(self) -> str:
        state = "moved" if self.moved else "still good"
        return (
            f"{state}: grid error {self.error_px:.2f} px (threshold {self.threshold_px:.2f} px, "
            f"largest shift {self.max_shift_px:.1f} px, {self.method})"
        )


def default_threshold_px(calibration: Calibration) -> float:
    return DEFAULT_THRESHOLD_SPACINGS * calibration.spacing_px()


def check_frame(
    calibration: Calibration, image: np.ndarray, threshold_px: float | None = None,
    corner_model: CornerModel | None = None,
) -> CheckResult:
    """Compare a new frame with the calibration. Raises NoBoardError when no board is in view."""
    h, w = image.shape[:2]
    if (w, h) != tuple(calibration.image_size):
        raise BadInputError(
            f"frame is {w}x{h} but the calibration is for {calibration.image_size[0]}x{calibration.image_size[1]}"
        )
    threshold = default_threshold_px(calibration) if threshold_px is None else float(threshold_px)
    if not threshold > 0:
        raise BadInputError(f"threshold {threshold_px} px must be positive")
    saved = calibration.intersections()
    try:
        fit = find_board(image, calibration.board_size, corner_model=corner_model)
    except NoBoardError as exc:
        local = _local_error(calibration, image)
        if local is None:
            raise exc
        error, largest = local
        return CheckResult(error > threshold, error, threshold, largest, "local")
    now = fit.lens.distort_points(fit.lattice.intersections())
    error, largest = _compare(saved, now)
    return CheckResult(error > threshold, error, threshold, largest, "refit", fit)


def _compare(saved: np.ndarray, now: np.ndarray) -> tuple[float, float]:
    """RMS and largest distance, over the 4 ways the same square grid can be indexed clockwise."""
    best: tuple[float, float] | None = None
    grid = now
    for _ in range(4):
        d = np.linalg.norm(grid - saved, axis=-1)
        rms = float(np.sqrt(np.mean(d * d)))
        if best is None or rms < best[0]:
            best = (rms, float(d.max()))
        grid = np.rot90(grid)
    assert best is not None
    return best


def _local_error(calibration: Calibration, image: np.ndarray) -> tuple[float, float] | None:
    """Grid lines measured near where the calibration expects them; None when too few are there."""
    ev = line_evidence(image, with_segments=False)
    n = calibration.board_size
    lattice = Lattice(n, calibration.lattice_homography())
    contrast = grid_contrast(ev, lattice, calibration.lens)
    # Lines where the grid should be, and not between: a grid, not texture or noise.
    if contrast.seen < 0.4 or contrast.seen < 2.0 * contrast.between:
        return None
    obs = observe(ev, lattice, calibration.lens, half_window=0.3)
    if obs is None or obs.observed_fraction < 0.5:
        return None
    found = np.isfinite(obs.observed[..., 0])
    expected = lattice.intersections()[found]
    got = obs.observed[found]
    d = np.linalg.norm(calibration.lens.distort_points(got) - calibration.lens.distort_points(expected), axis=-1)
    return float(np.sqrt(np.mean(d * d))), float(d.max())
