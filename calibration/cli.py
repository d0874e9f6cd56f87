"""goban-calibrate: find the board in a frame and save the calibration, or check it.

    goban-calibrate [IMAGE] [--source-config CONFIG] [--size N]
                    [--corners "x,y x,y x,y x,y"] [--out CALIBRATION.json]
                    [--state-dir DIR] [--preview PNG] [--check] [--threshold PX] [--exif]

Exit status: 0 calibrated / still good, 2 bad input, 3 no board in view,
4 (--check) the board or camera has moved; other GobanErrors carry their own.
Every failure is one line on stderr, and a failed run never touches the saved
calibration.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Sequence

import numpy as np

from calibration.check import check_frame
from calibration.corners import corners_from_arg
from calibration.corner_model import CornerModel
from calibration.find import find_board
from calibration.frames import frame_from_source, read_image
from calibration.evidence import line_evidence
from calibration.grid import Lattice, observe
from calibration.preview import draw_preview, write_png
from calibration.store import Calibration, load
from edge.board.position import BOARD_SIZES
from edge.errors import BadInputError, GobanError

EXIT_MOVED = 4
STATE_DIR_ENV = "GOBAN_STATE_DIR"
DEFAULT_STATE_DIR = "/var/lib/goban-edge"
CALIBRATION_NAME = "calibration.json"
PREVIEW_NAME = "calibration-preview.png"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line (BadInputError) instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        raise BadInputError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="goban-calibrate", description="Find the Go board in a camera frame and save the calibration.")
    p.add_argument("image", nargs="?", help="image file to calibrate from (instead of the camera)")
    p.add_argument("--image", dest="image_opt", metavar="PATH", help="same as the positional IMAGE")
    p.add_argument("--source-config", metavar="CONFIG", help="goban-edge configuration naming the camera source")
    p.add_argument("--size", type=int, choices=BOARD_SIZES, help="board size (default: detect)")
    p.add_argument("--corners", metavar='"x,y x,y x,y x,y"', help="outer grid corners by hand, image pixels")
    p.add_argument("--out", metavar="CALIBRATION.json", help="calibration file (default: STATE_DIR/calibration.json)")
    p.add_argument("--state-dir", metavar="DIR", help=f"state directory (default: ${STATE_DIR_ENV} or {DEFAULT_STATE_DIR})")
    p.add_argument("--preview", metavar="PNG", help="preview image (default: STATE_DIR/calibration-preview.png)")
    p.add_argument("--check", action="store_true", help="compare the frame with the saved calibration instead")
    p.add_argument("--threshold", type=float, metavar="PX", help="--check: error in pixels that counts as moved")
    p.add_argument("--exif", action="store_true", help="apply the image's EXIF orientation (default: pixels as stored)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except GobanError as exc:
        return _fail(exc)
    try:
        return _run(args)
    except GobanError as exc:
        return _fail(exc)
    except OSError as exc:
        return _fail(BadInputError(f"{exc.filename or 'file'}: {exc.strerror or exc}"))


def _fail(exc: GobanError) -> int:
    print(f"goban-calibrate: error: {exc}", file=sys.stderr)
    return exc.exit_code


def _run(args: argparse.Namespace) -> int:
    state_dir = Path(args.state_dir or os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)
    out = Path(args.out) if args.out else state_dir / CALIBRATION_NAME
    if args.threshold is not None and not args.threshold > 0:
        raise BadInputError(f"--threshold must be a positive number of pixels, got {args.threshold}")
    if args.check and args.corners:
        raise BadInputError("--corners makes no sense with --check")
    image, source = _frame(args)
    if args.check:
        return _check(args, image, out)
    h, w = image.shape[:2]
    if args.corners:
        corners = corners_from_arg(args.corners, (w, h))
        size = args.size or _size_from_corners(image, corners)
        cal = Calibration.from_corners(corners, size, (w, h), source)
        cal = _with_measured_error(cal, image)
    else:
        fit = find_board(image, args.size, corner_model=CornerModel.load())
        cal = Calibration.from_fit(fit, source)
    preview = Path(args.preview) if args.preview else state_dir / PREVIEW_NAME
    cal.save(out)
    write_png(preview, draw_preview(image, cal))
    print(_summary(cal, out, preview))
    return 0


def _frame(args: argparse.Namespace) -> tuple[np.ndarray, str]:
    if args.image and args.image_opt and args.image != args.image_opt:
        raise BadInputError("give the image once, either as IMAGE or as --image")
    path = args.image or args.image_opt
    if path and args.source_config:
        raise BadInputError("give either an image file or --source-config, not both")
    if path:
        return read_image(path, exif=args.exif), str(Path(path).resolve())
    if args.source_config:
        return frame_from_source(args.source_config), f"source-config:{args.source_config}"
    raise BadInputError("no frame: give an image file or --source-config CONFIG")


def _check(args: argparse.Namespace, image: np.ndarray, out: Path) -> int:
    cal = load(out)
    result = check_frame(cal, image, args.threshold, corner_model=CornerModel.load())
    if args.preview:
        write_png(args.preview, draw_preview(image, cal, "moved" if result.moved else "still good"))
    print(result.summary())
    return EXIT_MOVED if result.moved else 0


def _size_from_corners(image: np.ndarray, corners: np.ndarray) -> int:
    """The board size whose grid, laid between the given corners, matches the lines best."""
    ev = line_evidence(image, with_segments=False)
    h, w = image.shape[:2]
    best: tuple[float, int] | None = None
    for size in BOARD_SIZES:
        cal = Calibration.from_corners(corners, size, (w, h), "")
        obs = observe(ev, Lattice(size, cal.lattice_homography()), cal.lens, half_window=0.2)
        seen = 0.0 if obs is None else float(np.mean(np.concatenate(obs.coverage)))
        if best is None or seen > best[0] + 0.05:
            best = (seen, size)
    assert best is not None
    if best[0] < 0.3:
        raise BadInputError("cannot tell the board size from the grid between --corners: give --size")
    return best[1]


def _with_measured_error(cal: Calibration, image: np.ndarray) -> Calibration:
    """Manual corners are kept as given; the grid-fit error says how well the lines agree with them."""
    ev = line_evidence(image, with_segments=False)
    lattice = Lattice(cal.board_size, cal.lattice_homography())
    obs = observe(ev, lattice, cal.lens, half_window=0.3)
    if obs is None:
        return cal
    found = np.isfinite(obs.observed[..., 0])
    d = np.linalg.norm(obs.observed[found] - lattice.intersections()[found], axis=-1)
    return replace(cal, grid_fit_error_px=float(np.sqrt(np.mean(d * d))))


def _summary(cal: Calibration, out: Path, preview: Path) -> str:
    err = "unmeasured" if cal.grid_fit_error_px is None else f"{cal.grid_fit_error_px:.2f} px"
    lens = ""
    if cal.straightness_before_px is not None:
        lens = (
            f", lens k1 {cal.lens.k1:+.3f} (line straightness {cal.straightness_before_px:.2f} -> "
            f"{cal.straightness_after_px:.2f} px)"
        )
    return f"calibrated {cal.board_size}x{cal.board_size} board ({cal.method}), grid-fit error {err}{lens}; wrote {out} and {preview}"


if __name__ == "__main__":
    sys.exit(main())
