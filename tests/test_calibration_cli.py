"""goban-calibrate end to end on real photos: exit codes, one-line errors, files written, --check."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from calibration.cli import main
from calibration.frames import read_image
from calibration.store import backup_path, load

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imago-tests"
FRAME = DATA / "t3" / "t3_003.jpg"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("goban-calibrate: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def webcam_frame() -> np.ndarray:
    return read_image(FRAME)


@pytest.fixture()
def calibrated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, err = _run(capsys, FRAME, "--state-dir", tmp_path)
    assert code == 0, err
    return tmp_path


def test_calibrate_writes_calibration_and_preview(calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cal = load(calibrated / "calibration.json")
    assert cal.board_size == 19 and cal.method == "auto"
    assert cal.image_size == (640, 480)
    assert cal.grid_fit_error_px is not None and cal.grid_fit_error_px < 1.0
    preview = cv2.imread(str(calibrated / "calibration-preview.png"))
    assert preview is not None and preview.shape == (480, 640, 3)
    data = json.loads((calibrated / "calibration.json").read_text())
    assert data["source"].endswith("t3_003.jpg") and data["lens"]["model"] == "division"


def test_explicit_out_and_preview_paths_and_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, png = tmp_path / "a" / "cal.json", tmp_path / "b" / "p.png"
    code, stdout, err = _run(capsys, "--image", FRAME, "--size", "19", "--out", out, "--preview", png)
    assert code == 0, err
    assert "19x19" in stdout and str(out) in stdout
    assert load(out).board_size == 19 and png.exists()


def test_check_same_frame_is_still_good(calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, FRAME, "--state-dir", calibrated, "--check")
    assert code == 0, err
    assert out.startswith("still good")


def test_check_other_frame_of_same_setup_is_still_good(calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Same camera and board, later in the game: more stones, nothing moved.
    code, out, err = _run(capsys, DATA / "t3" / "t3_051.jpg", "--state-dir", calibrated, "--check")
    assert code == 0, err + out


@pytest.mark.parametrize("shift, angle", [((-19.0, -10.0), 0.0), ((0.0, 0.0), 2.0), ((8.0, -6.0), 1.0)])
def test_check_moved_camera_exits_4(
    calibrated: Path, webcam_frame: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    shift: tuple[float, float], angle: float,
) -> None:
    h, w = webcam_frame.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    m[:, 2] += shift
    moved = cv2.warpAffine(webcam_frame, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    path = tmp_path / "moved.png"
    cv2.imwrite(str(path), moved)
    code, out, err = _run(capsys, path, "--state-dir", calibrated, "--check")
    assert code == 4, err + out
    assert out.startswith("moved")


def test_check_threshold_is_respected(calibrated: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      webcam_frame: np.ndarray) -> None:
    m = np.float32([[1, 0, 3.0], [0, 1, 0.0]])
    path = tmp_path / "nudged.png"
    cv2.imwrite(str(path), cv2.warpAffine(webcam_frame, m, (640, 480), borderMode=cv2.BORDER_REPLICATE))
    assert _run(capsys, path, "--state-dir", calibrated, "--check", "--threshold", "1")[0] == 4
    assert _run(capsys, path, "--state-dir", calibrated, "--check", "--threshold", "10")[0] == 0


def test_check_without_calibration_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, FRAME, "--state-dir", tmp_path, "--check")
    assert code == 2
    assert "calibration.json does not exist" in _one_line_error(err)


def _noise(tmp_path: Path) -> Path:
    path = tmp_path / "noise.png"
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8))
    return path


def _blank_table(tmp_path: Path) -> Path:
    # A plain table top with some wood-like streaks, but no grid.
    rng = np.random.default_rng(1)
    img = np.full((480, 640, 3), (70, 110, 150), np.float32)
    img += cv2.GaussianBlur(rng.normal(0, 40, (480, 640)).astype(np.float32), (0, 0), sigmaX=25, sigmaY=1)[..., None]
    path = tmp_path / "table.png"
    cv2.imwrite(str(path), np.clip(img, 0, 255).astype(np.uint8))
    return path


def _cut_off(tmp_path: Path) -> Path:
    # The webcam photo moved 80 px left and 60 px up: its 19x19 board's top left corner leaves
    # the frame, and a part of its grid in view must not pass for a smaller board.
    img = read_image(FRAME)
    moved = cv2.warpAffine(img, np.float32([[1, 0, -80.0], [0, 1, -60.0]]), (img.shape[1], img.shape[0]))
    path = tmp_path / "cut_off.png"
    cv2.imwrite(str(path), moved)
    return path


@pytest.mark.parametrize("make", [_noise, _blank_table, _cut_off])
def test_no_board_exits_3_and_keeps_the_good_calibration(
    make, calibrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    before = (calibrated / "calibration.json").read_bytes()
    code, out, err = _run(capsys, make(tmp_path), "--state-dir", calibrated)
    assert code == 3
    assert "no board found" in _one_line_error(err)
    assert (calibrated / "calibration.json").read_bytes() == before
    code, _, err = _run(capsys, make(tmp_path), "--state-dir", calibrated, "--check")
    assert code == 3, err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["{tmp}/missing.jpg"], "does not exist"),
        (["{tmp}/not_an_image.jpg"], "not a readable image"),
        ([str(FRAME), "--corners", "1,2 3,4"], "--corners needs 4 points"),
        ([str(FRAME), "--corners", "0,0 900,0 900,400 0,400"], "outside the 640x480 image"),
        ([str(FRAME), "--size", "7"], "invalid choice: 7"),
        ([str(FRAME), "--threshold", "-1", "--check"], "--threshold"),
        ([], "no frame"),
        ([str(FRAME), "--source-config", "{tmp}/x.toml"], "either an image file or --source-config"),
        (["--source-config", "{tmp}/x.toml"], "no such configuration file"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not_an_image.jpg").write_text("hello")
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--state-dir", str(tmp_path / "state")]
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert fragment in _one_line_error(err)
    assert not (tmp_path / "state" / "calibration.json").exists()


def test_bad_input_never_replaces_a_good_calibration(calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (calibrated / "calibration.json").read_bytes()
    code, _, _ = _run(capsys, FRAME, "--state-dir", calibrated, "--corners", "0,0 10,0 10,10 5,5")
    assert code == 2
    assert (calibrated / "calibration.json").read_bytes() == before
    assert not backup_path(calibrated / "calibration.json").exists()


def test_manual_corners_override(calibrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auto = load(calibrated / "calibration.json")
    text = " ".join(f"{x:.1f},{y:.1f}" for x, y in auto.corners)
    out = tmp_path / "manual.json"
    code, stdout, err = _run(capsys, FRAME, "--corners", text, "--out", out, "--preview", tmp_path / "m.png")
    assert code == 0, err
    manual = load(out)
    assert manual.method == "manual" and manual.board_size == 19  # size read from the grid between the corners
    assert np.abs(manual.corners - auto.corners).max() < 0.1
    assert manual.grid_fit_error_px is not None and manual.grid_fit_error_px < 1.0
    # Recalibrating over an existing file keeps the previous one as a backup.
    code, _, err = _run(capsys, FRAME, "--corners", text, "--size", "19", "--out", out, "--preview", tmp_path / "m2.png")
    assert code == 0, err
    assert load(backup_path(out)).method == "manual"


def test_exif_flag_applies_orientation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # t1 phone photos carry EXIF orientation 6/3; pixels as stored are landscape 2048x1536.
    photo = DATA / "t1" / "t1_001.jpg"
    assert read_image(photo).shape[:2] == (1536, 2048)
    assert read_image(photo, exif=True).shape[:2] == (2048, 1536)
