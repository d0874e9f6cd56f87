"""Calibration file, corner convention and rectification geometry (no board finding needed)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from calibration.corners import corners_from_arg, is_clockwise, order_corners
from calibration.lens import LensDistortion
from calibration.store import Calibration, backup_path, load
from edge.errors import BadInputError
from edge.rectify.geometry import RectifiedGeometry

CORNERS = np.array([[120.0, 60.0], [520.0, 45.0], [610.0, 450.0], [20.0, 455.0]])


def _cal(k1: float = 0.0) -> Calibration:
    lens = LensDistortion.none_for(640, 480).with_k1(k1)
    return Calibration.from_corners(CORNERS, 19, (640, 480), "test", lens=lens, grid_fit_error_px=0.3)


def test_order_corners_from_any_order_is_clockwise_from_top_left() -> None:
    shuffled = CORNERS[[2, 0, 3, 1]]
    ordered = order_corners(shuffled)
    assert np.allclose(ordered, CORNERS)
    assert is_clockwise(ordered)
    # Mirrored input order (counter-clockwise) comes back clockwise too.
    assert np.allclose(order_corners(CORNERS[::-1]), CORNERS)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1,2 3,4 5,6", "needs 4 points"),
        ("1,2 3,4 5,6 7", "is not a point"),
        ("a,b 3,4 5,6 7,8", "is not a point"),
        ("0,0 10,0 10,10 5,5", "convex"),
        ("0,0 700,0 700,400 0,400", "outside the 640x480 image"),
        ("0,0 3,0 3,3 0,3", "less than 8 pixels"),
    ],
)
def test_corners_from_arg_rejects_with_one_line(text: str, fragment: str) -> None:
    with pytest.raises(BadInputError) as err:
        corners_from_arg(text, (640, 480))
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_corners_from_arg_orders_points() -> None:
    got = corners_from_arg("610,450 120,60 20,455 520,45", (640, 480))
    assert np.allclose(got, CORNERS)


def test_json_round_trip_keeps_everything() -> None:
    cal = _cal(-0.12)
    back = Calibration.from_json(cal.to_json())
    assert np.allclose(back.corners, cal.corners)
    assert np.allclose(back.homography, cal.homography)
    assert back.lens == cal.lens
    assert (back.board_size, back.image_size, back.method) == (19, (640, 480), "manual")
    assert back.grid_fit_error_px == pytest.approx(0.3)
    data = json.loads(cal.to_json())
    for key in ("source", "image_size", "corners", "homography", "lens", "board_size", "grid_fit_error_px", "created", "version"):
        assert key in data


def test_load_names_the_file_on_every_fault(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(BadInputError, match="none.json does not exist"):
        load(missing)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(BadInputError, match="bad.json is invalid: not JSON"):
        load(bad)
    data = json.loads(_cal().to_json())
    data["homography"][0][0] += 1.0  # no longer maps the corners onto the board
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="edited.json is invalid: homography"):
        load(edited)
    data = json.loads(_cal().to_json())
    data["board_size"] = 7
    edited.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="board size 7"):
        load(edited)


def test_save_is_atomic_keeps_backup_and_refuses_bad(tmp_path: Path) -> None:
    path = tmp_path / "state" / "calibration.json"
    first = _cal()
    first.save(path)
    assert load(path).grid_fit_error_px == pytest.approx(0.3)
    second = Calibration.from_corners(CORNERS + 2.0, 13, (640, 480), "second")
    second.save(path)
    assert load(path).board_size == 13
    assert load(backup_path(path)).board_size == 19
    before = path.read_bytes()
    broken = Calibration.from_corners(CORNERS, 19, (640, 480), "broken")
    object.__setattr__(broken, "corners", CORNERS[[0, 2, 1, 3]])  # self-crossing: not a board
    with pytest.raises(BadInputError, match="refusing to save"):
        broken.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("k1", [0.0, -0.15])
def test_rectify_and_to_image_agree(k1: float) -> None:
    cal = _cal(k1)
    geometry = RectifiedGeometry()
    # Grid corners land on the geometry's corners, through the lens model.
    assert np.allclose(cal.to_rectified(cal.corners, geometry), geometry.grid_corners(), atol=1e-6)
    pts = geometry.intersections(19).reshape(-1, 2)
    assert np.allclose(cal.to_rectified(cal.to_image(pts, geometry), geometry), pts, atol=1e-6)
    # A dot drawn at a camera position appears at the matching rectified pixel.
    image = np.zeros((480, 640, 3), np.uint8)
    target = geometry.intersection((3, 15), 19)
    cam = cal.to_image(np.array(target), geometry)
    cv2.circle(image, (int(round(cam[0])), int(round(cam[1]))), 3, (255, 255, 255), -1)
    rect = cal.rectify(image, geometry)
    assert rect.shape == (geometry.image_px, geometry.image_px, 3)
    ys, xs = np.nonzero(rect[..., 0] > 128)
    assert abs(xs.mean() - target[0]) < 1.5 and abs(ys.mean() - target[1]) < 1.5
    # The maps are built once per geometry and reused.
    assert len(cal._maps) == 1
    cal.rectify(image, geometry)
    assert len(cal._maps) == 1


def test_rectify_refuses_a_frame_of_another_size() -> None:
    with pytest.raises(BadInputError, match="recalibrate"):
        _cal().rectify(np.zeros((240, 320, 3), np.uint8))
