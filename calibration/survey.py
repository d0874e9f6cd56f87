"""Survey board finding over a folder of photographs with known positions.

    python -m calibration.survey /work/shared/data/imago-tests --out /tmp/survey

For every `NAME.jpg` with a `NAME.txt` beside it (19 rows of `.`/`B`/`W`),
finds the board automatically, writes a preview, and checks the corners with a
deliberately crude stone reader: sample the rectified board at each
intersection, call it black when much darker than the wood, white when
brighter and greyer, and compare with the expected position under the board's
8 symmetries. A lattice off by even half a spacing reads stones on the wrong
points, so high agreement on boards with stones means the corners are right.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from calibration.find import find_board
from calibration.frames import read_image
from calibration.preview import draw_preview, write_png
from calibration.store import Calibration
from edge.board.position import Position
from edge.errors import GobanError
from edge.rectify.geometry import RectifiedGeometry

SURVEY_GEOMETRY = RectifiedGeometry(image_px=480, margin_px=24.0)


def crude_read(rectified: np.ndarray, size: int, geometry: RectifiedGeometry = SURVEY_GEOMETRY) -> Position:
    """Classify each intersection of a rectified board as black, white or empty by colour alone.

    Each point is compared with the wood around it, sampled at the centres of
    the nearby cells: stones sit on intersections and leave cell centres bare,
    and comparing locally cancels uneven lighting across the board.
    """
    hsv = cv2.cvtColor(rectified, cv2.COLOR_BGR2HSV)
    step = geometry.spacing(size)
    pts = geometry.intersections(size)
    v, s = _disk_medians(hsv, pts.reshape(-1, 2), max(2, int(0.28 * step)))
    v, s = v.reshape(size, size), s.reshape(size, size)
    centres = (pts[:-1, :-1] + pts[1:, 1:]) / 2.0
    wv, ws = _disk_medians(hsv, centres.reshape(-1, 2), max(1, int(0.15 * step)))
    wv, ws = wv.reshape(size - 1, size - 1), ws.reshape(size - 1, size - 1)
    stones: dict[tuple[int, int], str] = {}
    for r in range(size):
        for c in range(size):
            r0, r1 = max(r - 2, 0), min(r + 2, size - 1)
            c0, c1 = max(c - 2, 0), min(c + 2, size - 1)
            wood_v = float(np.median(wv[r0:r1, c0:c1]))
            wood_s = float(np.median(ws[r0:r1, c0:c1]))
            if v[r, c] < 0.6 * wood_v:
                stones[(r, c)] = "b"
            elif v[r, c] > wood_v + 0.5 * (255 - wood_v):
                stones[(r, c)] = "w"  # far brighter than the wood
            elif v[r, c] > wood_v + 0.25 * (255 - wood_v) and s[r, c] < 0.75 * wood_s + 5:
                stones[(r, c)] = "w"  # brighter and greyer
    return Position(size, stones)  # type: ignore[arg-type]


def _disk_medians(hsv: np.ndarray, points: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Median value and saturation in a disk around each point (the median ignores thin grid lines)."""
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = (xx * xx + yy * yy) <= radius * radius
    h, w = hsv.shape[:2]
    xi = np.clip(np.round(points[:, 0]).astype(np.int64), radius, w - 1 - radius)
    yi = np.clip(np.round(points[:, 1]).astype(np.int64), radius, h - 1 - radius)
    # (N, K) pixels of every disk at once.
    rows = yi[:, None] + yy[disk][None, :]
    cols = xi[:, None] + xx[disk][None, :]
    v = np.median(hsv[rows, cols, 2], axis=1)
    s = np.median(hsv[rows, cols, 1], axis=1)
    return v, s


def agreement(read: Position, expected: Position) -> tuple[float, int]:
    """Best fraction of points that agree, over the 8 symmetries, and the number of points that differ there."""
    best = (-1.0, 0)
    n = read.size * read.size
    for sym in expected.symmetries():
        wrong = sum(1 for r in range(read.size) for c in range(read.size) if read[(r, c)] != sym[(r, c)])
        frac = 1.0 - wrong / n
        if frac > best[0]:
            best = (frac, wrong)
    return best


@dataclass(frozen=True)
class SurveyRow:
    name: str
    found: bool
    size: int | None
    error_px: float | None
    spacing_px: float | None
    agreement: float | None
    wrong_points: int | None
    stones: int
    millis: float
    """Wall-clock time of board finding."""
    cpu_millis: float
    """CPU time of board finding (this process)."""
    message: str = ""


def survey_image(path: Path, out_dir: Path | None) -> SurveyRow:
    expected = Position.from_rows(path.with_suffix(".txt").read_text().splitlines())
    name = path.stem
    image = read_image(path)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        fit = find_board(image)
    except GobanError as exc:
        millis, cpu_millis = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
        return SurveyRow(name, False, None, None, None, None, None, len(expected.stones), millis, cpu_millis, str(exc))
    millis, cpu_millis = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
    cal = Calibration.from_fit(fit, str(path))
    rect = cal.rectify(image, SURVEY_GEOMETRY)
    read = crude_read(rect, fit.size)
    frac, wrong = agreement(read, expected) if fit.size == expected.size else (0.0, expected.size**2)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = name.replace("/", "_")
        write_png(out_dir / f"{stem}.png", draw_preview(image, cal, f"agree {frac:.1%}"))
        write_png(out_dir / f"{stem}_rect.png", rect)
    return SurveyRow(
        name, True, fit.size, fit.error_px, fit.spacing_px, frac, wrong, len(expected.stones), millis, cpu_millis
    )


def find_images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jpg") if p.with_suffix(".txt").exists())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder of NAME.jpg + NAME.txt pairs")
    parser.add_argument("--out", type=Path, default=None, help="folder for preview PNGs")
    args = parser.parse_args(argv)
    paths = find_images(args.root)
    if not paths:
        print(f"no NAME.jpg + NAME.txt pairs under {args.root}", file=sys.stderr)
        return 2
    rows = []
    print(
        f"{'image':<16} {'found':>5} {'size':>4} {'err px':>7} {'err/sp':>7} {'agree':>7} {'wrong':>5} "
        f"{'stones':>6} {'ms':>6} {'cpu ms':>6}"
    )
    for path in paths:
        row = survey_image(path, args.out)
        rows.append(row)
        if row.found:
            rel = (row.error_px or 0.0) / (row.spacing_px or 1.0)
            print(
                f"{row.name:<16} {'yes':>5} {row.size:>4} {row.error_px:>7.2f} {rel:>7.3f} "
                f"{row.agreement:>7.1%} {row.wrong_points:>5} {row.stones:>6} {row.millis:>6.0f} {row.cpu_millis:>6.0f}"
            )
        else:
            print(
                f"{row.name:<16} {'NO':>5} {'':>4} {'':>7} {'':>7} {'':>7} {'':>5} {row.stones:>6} "
                f"{row.millis:>6.0f} {row.cpu_millis:>6.0f}  {row.message}"
            )
    found = [r for r in rows if r.found]
    exact = [r for r in found if r.wrong_points == 0]
    small = [r for r in rows if not r.name.startswith("t1")]
    big = [r for r in rows if r.name.startswith("t1")]

    def timing(group: list[SurveyRow]) -> str:
        wall = np.array([r.millis for r in group])
        cpu = np.array([r.cpu_millis for r in group])
        return f"wall median {np.median(wall):.0f} max {wall.max():.0f}, cpu median {np.median(cpu):.0f} max {cpu.max():.0f}"

    print(
        f"found {len(found)}/{len(rows)}; crude reading exact on {len(exact)}/{len(rows)}; "
        f"mean agreement {np.mean([r.agreement for r in found]) if found else 0:.2%}; "
        f"min agreement {min((r.agreement for r in found), default=0):.2%}"
    )
    if small:
        print(f"board finding ms, 640x480 frames: {timing(small)}")
    if big:
        print(f"board finding ms, 2048x1536 photos: {timing(big)}")
    return 0 if len(found) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
