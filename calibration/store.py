"""The calibration file: what the camera sees of the board, saved atomically.

Everything downstream (rectify, detect) goes through `Calibration.rectify`
and `Calibration.to_image`, never through the homography itself, so the lens
model and the corner convention live in one place.

The stored homography maps *undistorted* image pixels to the board's unit
square: corner 0 at (0, 0), corner 1 at (1, 0), corner 2 at (1, 1).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from calibration.corners import is_clockwise, is_convex_quad
from calibration.find import BoardFit
from calibration.grid import apply_homography
from calibration.lens import LensDistortion
from edge import __version__
from edge.atomic import atomic_write_text
from edge.board.position import BOARD_SIZES
from edge.errors import BadInputError
from edge.rectify.geometry import RectifiedGeometry

FORMAT = "goban-calibration"
FORMAT_VERSION = 1
_UNIT_SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


@dataclass(frozen=True, eq=False)
class Calibration:
    source: str
    """Where the frame came from (image path or camera source)."""
    image_size: tuple[int, int]
    """(width, height) of the frames this calibration applies to."""
    corners: np.ndarray
    """(4, 2) outer grid corners in camera pixels, clockwise from the one nearest the top-left."""
    board_size: int
    lens: LensDistortion
    homography: np.ndarray
    """3x3: undistorted image pixels -> board unit square."""
    grid_fit_error_px: float | None
    """RMS px between fitted and observed intersections; None when it could not be measured."""
    method: str = "auto"
    """"auto" (found by its lines), "stones" (outlined by the corner model, placed by its
    stones: `edge.photo`) or "manual" (--corners)."""
    straightness_before_px: float | None = None
    straightness_after_px: float | None = None
    created: str = ""
    """UTC time, ISO 8601."""
    software: str = __version__
    _maps: dict[Any, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- construction -------------------------------------------------------

    @classmethod
    def from_fit(cls, fit: BoardFit, source: str) -> "Calibration":
        und = fit.lattice.corners()
        return cls(
            source=source,
            image_size=fit.image_size,
            corners=np.asarray(fit.corners, dtype=np.float64),
            board_size=fit.size,
            lens=fit.lens,
            homography=_unit_homography(und),
            grid_fit_error_px=float(fit.error_px),
            method="auto",
            straightness_before_px=_finite_or_none(fit.straightness_before_px),
            straightness_after_px=_finite_or_none(fit.straightness_after_px),
            created=_now(),
        )

    @classmethod
    def from_corners(
        cls,
        corners: np.ndarray,
        board_size: int,
        image_size: tuple[int, int],
        source: str,
        lens: LensDistortion | None = None,
        grid_fit_error_px: float | None = None,
        method: str = "manual",
    ) -> "Calibration":
        """A calibration from corners given by hand or by `method` (camera pixels, already ordered)."""
        w, h = image_size
        lens = lens or LensDistortion.none_for(w, h)
        corners = np.asarray(corners, dtype=np.float64).reshape(4, 2)
        return cls(
            source=source,
            image_size=(int(w), int(h)),
            corners=corners,
            board_size=int(board_size),
            lens=lens,
            homography=_unit_homography(lens.undistort_points(corners)),
            grid_fit_error_px=grid_fit_error_px,
            method=method,
            created=_now(),
        )

    # -- geometry -----------------------------------------------------------

    def image_to_rectified(self, geometry: RectifiedGeometry) -> np.ndarray:
        """3x3 homography: undistorted image pixels -> rectified pixels of `geometry`."""
        lo, hi = geometry.grid_corners()[0, 0], geometry.grid_corners()[2, 0]
        unit_to_rect = np.array([[hi - lo, 0.0, lo], [0.0, hi - lo, lo], [0.0, 0.0, 1.0]])
        return unit_to_rect @ self.homography

    def lattice_homography(self) -> np.ndarray:
        """3x3: lattice (col, row) -> undistorted image pixels."""
        scale = np.diag([1.0 / (self.board_size - 1), 1.0 / (self.board_size - 1), 1.0])
        return np.linalg.inv(self.homography) @ scale

    def intersections(self) -> np.ndarray:
        """(size, size, 2) camera pixels of every grid point, indexed [row, col]."""
        idx = np.arange(self.board_size, dtype=np.float64)
        cols, rows = np.meshgrid(idx, idx)
        lattice = np.stack([cols, rows], axis=-1)
        return self.lens.distort_points(apply_homography(self.lattice_homography(), lattice))

    def spacing_px(self) -> float:
        pts = self.intersections()
        return float(
            (np.linalg.norm(np.diff(pts, axis=0), axis=-1).mean() + np.linalg.norm(np.diff(pts, axis=1), axis=-1).mean())
            / 2.0
        )

    def to_image(self, points_rectified: np.ndarray, geometry: RectifiedGeometry = RectifiedGeometry()) -> np.ndarray:
        """Rectified pixels (..., 2) -> camera pixels, through the lens model."""
        inv = np.linalg.inv(self.image_to_rectified(geometry))
        return self.lens.distort_points(apply_homography(inv, np.asarray(points_rectified, dtype=np.float64)))

    def to_rectified(self, points_image: np.ndarray, geometry: RectifiedGeometry = RectifiedGeometry()) -> np.ndarray:
        """Camera pixels (..., 2) -> rectified pixels."""
        und = self.lens.undistort_points(np.asarray(points_image, dtype=np.float64))
        return apply_homography(self.image_to_rectified(geometry), und)

    def rectify(self, image: np.ndarray, geometry: RectifiedGeometry = RectifiedGeometry()) -> np.ndarray:
        """Undistort and warp a camera frame to the square top-down board image.

        The pixel maps are computed once per geometry and kept on this object,
        so per-frame cost is one cv2.remap.
        """
        h, w = image.shape[:2]
        if (w, h) != tuple(self.image_size):
            raise BadInputError(
                f"frame is {w}x{h} but the calibration is for {self.image_size[0]}x{self.image_size[1]}: recalibrate"
            )
        maps = self._maps.get(geometry)
        if maps is None:
            n = geometry.image_px
            u, v = np.meshgrid(np.arange(n, dtype=np.float64), np.arange(n, dtype=np.float64))
            cam = self.to_image(np.stack([u, v], axis=-1), geometry).astype(np.float32)
            maps = cv2.convertMaps(cam[..., 0], cam[..., 1], cv2.CV_16SC2)
            self._maps[geometry] = maps
        return cv2.remap(image, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    # -- files ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "software": self.software,
            "created": self.created,
            "source": self.source,
            "method": self.method,
            "image_size": [int(self.image_size[0]), int(self.image_size[1])],
            "board_size": int(self.board_size),
            "corners": [[float(x), float(y)] for x, y in self.corners],
            "homography": [[float(v) for v in row] for row in self.homography],
            "homography_maps": "undistorted image pixels -> board unit square (corner 0 at 0,0; corner 2 at 1,1)",
            "lens": self.lens.to_dict(),
            "grid_fit_error_px": self.grid_fit_error_px,
            "straightness_px": {"before": self.straightness_before_px, "after": self.straightness_after_px},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        """Parse and validate; ValueError with a short reason when anything is off."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a goban calibration file")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"calibration format version {data.get('version')!r} is not {FORMAT_VERSION}")
        try:
            size = data["image_size"]
            image_size = (int(size[0]), int(size[1]))
            cal = cls(
                source=str(data["source"]),
                image_size=image_size,
                corners=np.array(data["corners"], dtype=np.float64),
                board_size=int(data["board_size"]),
                lens=LensDistortion.from_dict(data["lens"]),
                homography=np.array(data["homography"], dtype=np.float64),
                grid_fit_error_px=_opt_float(data.get("grid_fit_error_px")),
                method=str(data.get("method", "auto")),
                straightness_before_px=_opt_float((data.get("straightness_px") or {}).get("before")),
                straightness_after_px=_opt_float((data.get("straightness_px") or {}).get("after")),
                created=str(data.get("created", "")),
                software=str(data.get("software", "")),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"missing or malformed field ({exc})") from None
        cal.validate()
        return cal

    def validate(self) -> None:
        """ValueError naming the first thing that makes this calibration unusable."""
        if self.board_size not in BOARD_SIZES:
            raise ValueError(f"board size {self.board_size} is not one of {BOARD_SIZES}")
        if self.image_size[0] < 32 or self.image_size[1] < 32:
            raise ValueError(f"image size {self.image_size} is too small")
        if self.corners.shape != (4, 2) or not np.all(np.isfinite(self.corners)):
            raise ValueError("corners must be four finite points")
        if not is_convex_quad(self.corners) or not is_clockwise(self.corners):
            raise ValueError("corners are not a clockwise convex quadrilateral")
        if self.homography.shape != (3, 3) or not np.all(np.isfinite(self.homography)):
            raise ValueError("homography must be a finite 3x3 matrix")
        if abs(np.linalg.det(self.homography)) < 1e-300:
            raise ValueError("homography is singular")
        if not math.isfinite(self.lens.k1) or abs(self.lens.k1) > 1.0 or self.lens.radius <= 0:
            raise ValueError(f"lens distortion k1={self.lens.k1} is out of range")
        mapped = apply_homography(self.homography, self.lens.undistort_points(self.corners))
        if not np.all(np.isfinite(mapped)) or np.abs(mapped - _UNIT_SQUARE).max() > 1e-3:
            raise ValueError("homography does not map the corners onto the board")
        if self.grid_fit_error_px is not None and not (math.isfinite(self.grid_fit_error_px) and self.grid_fit_error_px >= 0):
            raise ValueError("grid-fit error must be a non-negative number")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically, keeping the previous good file as `<path>.bak`.

        An invalid calibration is refused (BadInputError) before anything on
        disk changes, so a bad run can never replace a good file.
        """
        try:
            self.validate()
        except ValueError as exc:
            raise BadInputError(f"refusing to save calibration to {path}: {exc}") from None
        target = Path(path)
        if target.exists():
            try:
                previous = target.read_text(encoding="utf-8")
                Calibration.from_json(previous)
            except (OSError, UnicodeDecodeError, ValueError):
                previous = None  # a broken file is not worth keeping; the old backup stays
            if previous is not None:
                atomic_write_text(backup_path(target), previous)
        atomic_write_text(target, self.to_json())


def backup_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".bak")


def load(path: str | os.PathLike[str]) -> Calibration:
    """Read a calibration file; BadInputError naming the file on any fault."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"calibration file {p} does not exist: run goban-calibrate first") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read calibration file {p}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return Calibration.from_json(text)
    except ValueError as exc:
        raise BadInputError(f"calibration file {p} is invalid: {exc}") from None


def _unit_homography(undistorted_corners: np.ndarray) -> np.ndarray:
    """The exact homography taking four points to the unit square (float64 throughout)."""
    src = np.asarray(undistorted_corners, dtype=np.float64).reshape(4, 2)
    a = np.zeros((8, 8))
    b = np.zeros(8)
    for i, ((x, y), (u, v)) in enumerate(zip(src, _UNIT_SQUARE)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
        b[2 * i], b[2 * i + 1] = u, v
    try:
        sol = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise BadInputError("the four corners are degenerate (three in a line)") from None
    return np.append(sol, 1.0).reshape(3, 3)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _opt_float(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def _finite_or_none(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None
