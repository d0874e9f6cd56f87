"""The synthetic board renderer: determinism, geometry of the truth, and that
the truth matches the pixels. All real rendering, no fakes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edge.board.position import Position
from edge.errors import BadInputError
from edge.rectify.geometry import RectifiedGeometry
from edge.synth import RenderedBoard, Scene, random_position, rectified_truth, render_board
from edge.synth.distractors import board_silhouette

CLEAN = dict(hand=False, motion_blur=False, glare=False, noise=False, jpeg=False)


@pytest.fixture(scope="module")
def scenes() -> list[Scene]:
    # Enough poses that some are rolled so corners[0] is not the board's own first corner.
    return [Scene.random(size, seed) for seed, size in enumerate([19, 13, 9, 19, 19, 13, 9, 19, 19, 13])]


def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0].astype(np.float64), poly[:, 1].astype(np.float64)
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) / 2)


def _pitch_px(corners: np.ndarray, size: int) -> float:
    sides = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    return float(sides.mean() / (size - 1))


def test_same_seed_gives_the_same_frame_and_another_seed_does_not() -> None:
    pos = random_position(19, np.random.default_rng(1), fill=0.3)
    a = Scene.random(19, 42).render(pos, seed=7)
    b = Scene.random(19, 42).render(pos, seed=7)
    c = Scene.random(19, 42).render(pos, seed=8)
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.corners, b.corners)
    assert a.position == b.position
    assert [s.box for s in a.stones] == [s.box for s in b.stones]
    assert not np.array_equal(a.image, c.image)
    assert a.image.shape == (480, 640, 3) and a.image.dtype == np.uint8


def test_corners_run_clockwise_from_the_one_nearest_the_top_left(scenes: list[Scene]) -> None:
    starts = set()
    for scene in scenes:
        r = scene.render(Position(scene.size, {}), seed=0, **CLEAN)
        assert r.corners.shape == (4, 2) and r.corners.dtype == np.float32
        assert _signed_area(r.corners) > 0, "clockwise in image coordinates (y down)"
        assert int(np.argmin(np.linalg.norm(r.corners, axis=1))) == 0
        assert ((r.corners >= 0) & (r.corners < [640, 480])).all()
        starts.add(scene.corner_start)
    assert len(starts) > 1, "poses never rotated the board's frame; the corner rule is untested"


def test_camera_projection_is_the_opencv_pinhole(scenes: list[Scene]) -> None:
    cam = scenes[0].camera
    pts = np.random.default_rng(0).uniform(-200, 200, (50, 3))
    ours = cam.project(pts)
    ref, _ = cv2.projectPoints(pts, cam.rvec, cam.t, cam.K, None)
    assert np.allclose(ours, ref.reshape(-1, 2), atol=1e-6)


def test_position_is_returned_in_the_corners_frame(scenes: list[Scene]) -> None:
    scene = next(s for s in scenes if s.corner_start != 0)
    n = scene.size
    physical = Position(n, {(0, 0): "b", (0, 1): "w", (2, n - 1): "b"})
    r = scene.render(physical, seed=3, **CLEAN)
    assert r.position == scene.view_position(physical)
    assert r.position != physical
    rotations = [physical.symmetries()[k] for k in range(4)]
    assert r.position in rotations
    assert {s.point: s.color for s in r.stones} == dict(r.position.stones)
    for p in physical.stones:
        assert scene.from_view(scene.to_view(p)) == p


def test_stones_sit_on_the_grid_the_corners_define(scenes: list[Scene]) -> None:
    geometry = RectifiedGeometry()
    for k, scene in enumerate(scenes[:6]):
        pos = random_position(scene.size, np.random.default_rng(k), fill=0.4)
        r = scene.render(pos, seed=k, **CLEAN)
        to_image = np.linalg.inv(geometry.homography(r.corners))
        pitch = _pitch_px(r.corners, scene.size)
        nadir = scene.camera.nadir()
        for stone in r.stones:
            q = cv2.perspectiveTransform(np.array([[geometry.intersection(stone.point, scene.size)]], np.float64), to_image)[0, 0]
            x0, y0, x1, y1 = stone.box
            centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
            shift = centre - q
            away = (q - nadir) / max(np.linalg.norm(q - nadir), 1e-9)
            along = float(shift @ away)
            across = float(abs(shift[0] * away[1] - shift[1] * away[0]))
            # A stone's height pushes its image away from the nadir, never towards it.
            assert -0.1 * pitch < along < 0.6 * pitch, (k, stone.point, along / pitch)
            assert across < 0.2 * pitch, (k, stone.point, across / pitch)
            assert x0 <= q[0] <= x1 and y0 <= q[1] <= y1
            assert 0.6 * pitch < x1 - x0 < 2.2 * pitch


def test_truth_boxes_land_on_stones_of_the_right_colour(scenes: list[Scene]) -> None:
    for k, scene in enumerate(scenes[:5]):
        pos = random_position(scene.size, np.random.default_rng(10 + k), fill=0.3)
        r = scene.render(pos, seed=k, **CLEAN)
        grey = cv2.cvtColor(r.image, cv2.COLOR_BGR2GRAY)
        level = {"b": [], "w": []}
        for s in r.stones:
            x0, y0, x1, y1 = s.box
            cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.2, (y1 - y0) * 0.2
            patch = grey[int(cy - hh) : int(cy + hh) + 1, int(cx - hw) : int(cx + hw) + 1]
            level[s.color].append(float(np.median(patch)))
        assert level["b"] and level["w"]
        assert max(level["b"]) < min(level["w"]), (k, scene.stone_set.style)
        assert np.median(level["b"]) < 0.5 * np.median(level["w"])


def test_rectified_boxes_are_centred_on_their_intersections(scenes: list[Scene]) -> None:
    geometry = RectifiedGeometry()
    for k, scene in enumerate(scenes[:6]):
        pos = random_position(scene.size, np.random.default_rng(20 + k), fill=0.5)
        r = scene.render(pos, seed=k, **CLEAN)
        image, labels = rectified_truth(r, geometry)
        assert image.shape == (geometry.image_px, geometry.image_px, 3)
        assert len(labels) == len(pos.stones)
        step = geometry.spacing(scene.size)
        errors = []
        for (x0, y0, x1, y1), colour, point in labels:
            assert r.position[point] == colour
            assert 0 <= x0 < x1 <= geometry.image_px and 0 <= y0 < y1 <= geometry.image_px
            ix, iy = geometry.intersection(point, scene.size)
            errors.append(np.hypot((x0 + x1) / 2 - ix, (y0 + y1) / 2 - iy) / step)
        assert max(errors) < 0.5 and float(np.median(errors)) < 0.3, (k, max(errors))


def test_a_hand_occludes_and_hidden_stones_leave_the_rectified_truth(scenes: list[Scene]) -> None:
    scene = scenes[3]
    pos = random_position(scene.size, np.random.default_rng(5), fill=0.6)
    bare = scene.render(pos, seed=1, hand=False)
    assert bare.occlusion == 0.0 and all(s.visible == 1.0 for s in bare.stones)
    for seed in range(4):
        r = scene.render(pos, seed=seed, hand=True)
        assert 0.0 < r.occlusion < 1.0
        assert any(s.visible < 0.5 for s in r.stones), seed
        _, labels = rectified_truth(r, RectifiedGeometry())
        assert len(labels) == sum(s.visible >= 0.5 for s in r.stones)
        assert len(r.stones) == len(pos.stones)


def test_distractors_stay_off_the_board_and_out_of_the_truth() -> None:
    seen = 0
    for seed in range(5):
        scene = Scene.random(19, 100 + seed)
        if not scene.distractor_outlines:
            continue
        board = board_silhouette(scene.camera, scene.board)
        board_mask = np.zeros((480, 640), np.uint8)
        cv2.fillPoly(board_mask, [np.round(board).astype(np.int32)], 1)
        r = scene.render(random_position(19, np.random.default_rng(seed), fill=0.5), seed=seed)
        for outline in scene.distractor_outlines:
            seen += 1
            mask = np.zeros_like(board_mask)
            cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
            assert not (mask & board_mask).any()
            for s in r.stones:
                cx, cy = (s.box[0] + s.box[2]) / 2, (s.box[1] + s.box[3]) / 2
                assert cv2.pointPolygonTest(outline.astype(np.float32), (cx, cy), False) < 0
    assert seen > 0


def test_random_positions_are_legal_clustered_and_vary_in_density() -> None:
    fills = []
    for seed in range(30):
        pos = random_position(19, np.random.default_rng(seed))
        fills.append(len(pos.stones) / 361)
        rows = pos.rows()
        for (r, c), colour in pos.stones.items():
            assert _has_liberty(rows, r, c), (seed, r, c)
        assert abs(pos.count("b") - pos.count("w")) <= 4
    assert min(fills) < 0.05 and max(fills) > 0.5
    fixed = random_position(13, np.random.default_rng(3), fill=0.5)
    assert abs(len(fixed.stones) - round(0.5 * 169)) <= 3
    assert fixed == random_position(13, np.random.default_rng(3), fill=0.5)
    # Clustered: most stones touch another stone (8-neighbourhood).
    pos = random_position(19, np.random.default_rng(9), fill=0.2)
    touching = sum(
        any((r + dr, c + dc) in pos.stones for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc) for r, c in pos.stones
    )
    assert touching > 0.8 * len(pos.stones)


def _has_liberty(rows: list[str], r: int, c: int) -> bool:
    n = len(rows)
    colour = rows[r][c]
    seen, stack = {(r, c)}, [(r, c)]
    while stack:
        a, b = stack.pop()
        for x, y in ((a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)):
            if 0 <= x < n and 0 <= y < n:
                if rows[x][y] == ".":
                    return True
                if rows[x][y] == colour and (x, y) not in seen:
                    seen.add((x, y))
                    stack.append((x, y))
    return False


def test_render_board_and_bad_input() -> None:
    pos = Position(9, {(4, 4): "b"})
    r = render_board(pos, 5, width=320, height=240, jpeg=True)
    assert isinstance(r, RenderedBoard) and r.image.shape == (240, 320, 3)
    assert len(r.stones) == 1 and r.stones[0].outline.shape[1] == 2
    with pytest.raises(BadInputError, match="board size 7"):
        Scene.random(7, 0)
    with pytest.raises(BadInputError, match="13x13"):
        Scene.random(9, 0).render(Position(13, {}), seed=0)
    with pytest.raises(BadInputError, match="light_drift"):
        Scene.random(9, 0).render(pos, seed=0, light_drift=3.0)


def test_light_drift_changes_brightness_only_as_asked() -> None:
    scene = Scene.random(13, 4)
    pos = random_position(13, np.random.default_rng(0), fill=0.3)
    dim = scene.render(pos, seed=1, light_drift=-0.5, **CLEAN).image.mean()
    mid = scene.render(pos, seed=1, **CLEAN).image.mean()
    bright = scene.render(pos, seed=1, light_drift=0.5, **CLEAN).image.mean()
    assert dim < mid < bright
