"""From detections on the rectified board to stones on intersections.

A stone's silhouette does not sit on its intersection: the stone is ~9 mm tall,
so with a tilted camera its top, which dominates the silhouette, is shifted
away from the camera, more so towards the far edge. That shift is smooth over
the board, so it is estimated from the detections themselves: assign each to
its nearest intersection, fit an affine field to the residuals (robustly, the
median-based fit ignores the odd wrong assignment), subtract it, and assign
again. The same step absorbs a calibration that is off by a pixel or two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edge.board.position import Color, Point, Position
from edge.detect.types import Detection
from edge.rectify.geometry import RectifiedGeometry


@dataclass(frozen=True)
class MappingParams:
    score_threshold: float = 0.3
    """Lowest detection score that places a stone. 0.3 reads the most points right on the
    rendered validation boards (see models/MODEL_CARD.md); weaker detections only lower the
    confidence of an empty point."""
    max_offset: float = 0.45
    """Largest distance from an intersection, in grid spacings, after correction."""
    parallax_iterations: int = 2
    lines_veto: float = 0.3
    """Grid-line visibility (`edge.board.grid_lines`) at or above which every arm of a
    point shows its line, so no stone can sit there."""
    lines_veto_below: float = 0.75
    """The veto overrules detections scoring under this; a stronger one stands."""


@dataclass(frozen=True)
class Rejected:
    detection: Detection
    reason: str
    """`off-board`, `off-grid`, `duplicate` or `lines-visible`."""


@dataclass(frozen=True)
class BoardReading:
    position: Position
    scores: np.ndarray
    """(size, size): the score of the stone placed there, 0 where empty."""
    confidence: np.ndarray
    """(size, size) in 0..1: how sure the reading is of each point, stone or empty."""
    shift: np.ndarray
    """(3, 2) affine parallax field: offset = [x, y, 1] @ shift, rectified pixels."""
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def overall_confidence(self) -> float:
        return float(self.confidence.min()) if self.confidence.size else 0.0


def _nearest(points: np.ndarray, size: int, geometry: RectifiedGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Nearest (row, col) for each point, unclipped, and the offset in spacings."""
    step = geometry.spacing(size)
    grid = (points - geometry.margin_px) / step
    idx = np.rint(grid)
    return idx.astype(int), grid - idx


def _fit_shift(centers: np.ndarray, offsets_px: np.ndarray, weights: np.ndarray) -> np.ndarray:
    design = np.column_stack([centers, np.ones(len(centers))])
    if len(centers) < 6:
        # Too few stones to fit a field reliably: a constant shift only.
        shift = np.zeros((3, 2))
        if len(centers):
            shift[2] = np.median(offsets_px, axis=0)
        return shift
    w = np.sqrt(weights)[:, None]
    shift, *_ = np.linalg.lstsq(design * w, offsets_px * w, rcond=None)
    # One reweighting pass: stones far from the fit (a wrong assignment) count less.
    resid = np.linalg.norm(design @ shift - offsets_px, axis=1)
    scale = max(float(np.median(resid)) * 3.0, 1e-3)
    w2 = np.sqrt(weights / (1.0 + (resid / scale) ** 2))[:, None]
    shift, *_ = np.linalg.lstsq(design * w2, offsets_px * w2, rcond=None)
    return shift


def map_to_board(detections: list[Detection], size: int, geometry: RectifiedGeometry,
                 params: MappingParams = MappingParams(), lines: np.ndarray | None = None) -> BoardReading:
    """Place each confident detection on its intersection and resolve conflicts.

    `lines`, the (size, size) grid-line visibility of the same rectified image,
    vetoes a detection on a point whose lines show all round it: the phantom a
    shadow or a blemish makes on a real photo.
    """
    step = geometry.spacing(size)
    shift = np.zeros((3, 2))
    centers = np.array([d.center for d in detections], dtype=np.float64).reshape(-1, 2)
    scores = np.array([d.score for d in detections], dtype=np.float64)
    strong = scores >= params.score_threshold
    for _ in range(params.parallax_iterations):
        corrected = centers - np.column_stack([centers, np.ones(len(centers))]) @ shift
        idx, frac = _nearest(corrected, size, geometry)
        on_board = strong & np.all((idx >= 0) & (idx < size), axis=1)
        if not on_board.any():
            break
        # Offsets measured against the raw centres so each pass refits from scratch.
        target = geometry.margin_px + idx[on_board] * step
        shift = _fit_shift(centers[on_board], centers[on_board] - target, scores[on_board])

    corrected = centers - np.column_stack([centers, np.ones(len(centers))]) @ shift
    idx, frac = _nearest(corrected, size, geometry)
    dist = np.linalg.norm(frac, axis=1) if len(detections) else np.zeros(0)

    def needed(row: int, col: int) -> float:
        """The score a stone on this point needs: more where its lines show all round."""
        if lines is not None and 0 <= row < size and 0 <= col < size and lines[row, col] >= params.lines_veto:
            return max(params.lines_veto_below, params.score_threshold)
        return params.score_threshold

    best: dict[Point, int] = {}
    rejected: list[Rejected] = []
    near_weak = np.zeros((size, size))
    for i, det in enumerate(detections):
        row, col = int(idx[i, 1]), int(idx[i, 0])
        inside = 0 <= row < size and 0 <= col < size
        if det.score < needed(row, col):
            if inside and dist[i] <= params.max_offset:
                near_weak[row, col] = max(near_weak[row, col], det.score)
                if strong[i]:
                    rejected.append(Rejected(det, "lines-visible"))
            continue
        if not inside:
            rejected.append(Rejected(det, "off-board"))
            continue
        if dist[i] > params.max_offset:
            rejected.append(Rejected(det, "off-grid"))
            continue
        other = best.get((row, col))
        if other is not None:
            loser = min(other, i, key=lambda j: detections[j].score)
            rejected.append(Rejected(detections[loser], "duplicate"))
            if loser == other:
                best[(row, col)] = i
        else:
            best[(row, col)] = i

    stone_scores = np.zeros((size, size))
    stones: dict[Point, Color] = {}
    for (row, col), i in best.items():
        stones[(row, col)] = detections[i].color
        stone_scores[row, col] = detections[i].score
    confidence = np.where(stone_scores > 0, stone_scores, 1.0 - near_weak)
    return BoardReading(Position(size, stones), stone_scores, confidence, shift, rejected)
