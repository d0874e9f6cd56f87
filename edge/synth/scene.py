"""A camera set-up over a board, and frames rendered from it.

`Scene` fixes everything that stays put while a game is filmed: the board
(size, pitch, wood, lines), the stones' style, the camera's pose and lens, the
lighting, the table and the things lying beside the board. The static part of
the picture is drawn once; each `render` adds the stones, their shadows and
the per-frame nuisances (hands, glare, blur, noise, JPEG).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping, Sequence

import cv2
import numpy as np

from edge.board.position import BOARD_SIZES, Color, Point, Position
from edge.errors import BadInputError
from edge.synth.board_model import BoardModel
from edge.synth.board_texture import render_board_texture
from edge.synth.camera import Camera, random_camera
from edge.synth.distractors import draw_distractors
from edge.synth.hands import HandLayer, HandLook, HandPose, draw_hand, paint_hand, reach_path
from edge.synth.positions import random_position
from edge.synth.photo import Exposure, add_noise, apply_motion_blur, expose, glare_map, jpeg_roundtrip, soften, wide_blur
from edge.synth.stones import Light, StoneBatch, StoneSet, draw_shadows, draw_stones
from edge.synth.truth import RenderedBoard, StoneTruth
from edge.synth.wood import table_texture

# Chances of each nuisance when `render` is left to decide.
P_HAND = 0.25
P_MOTION_BLUR = 0.15
P_GLARE = 0.3
P_NOISE = 0.85
P_JPEG = 0.6
PLACEMENT_SD_MM = 0.35
PLACEMENT_MAX_MM = 1.0
# A player's shoulder, seen from the board: this far out beyond the wood on their side.
SHOULDER_MM = 350.0
GLARE_MIN, GLARE_MAX = 80.0, 220.0


@dataclass(frozen=True, eq=False)
class StoneLayer:
    """The board with its stones and their shadows drawn, before the camera's
    nuisances: what stays the same between video frames of one position."""

    position: Position
    """Physical board frame, as given to `Scene.stone_layer`."""
    canvas: np.ndarray
    """(H, W, 3) float32, read-only."""
    stones: tuple[tuple[Point, Color], ...]
    outlines: tuple[np.ndarray, ...]
    """Each stone's image silhouette, in the order of `stones`."""


def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) / 2)


@dataclass(frozen=True, eq=False)
class Scene:
    seed: int
    board: BoardModel
    camera: Camera
    stone_set: StoneSet
    light: Light
    exposure: Exposure
    base: np.ndarray
    """(H, W, 3) float32 static picture: table, board, distractors."""
    corners: np.ndarray
    """(4, 2) float32 outer grid corners, clockwise from the one nearest the image top-left."""
    corner_start: int
    """Which physical corner (0: row 0/col 0, then clockwise on the board) is corners[0]."""
    grid_mask: np.ndarray
    """(H, W) uint8, 1 inside the outer grid lines."""
    distractor_outlines: tuple[np.ndarray, ...]
    """Image polygons of the bowls and loose stones beside the board."""
    glare: np.ndarray
    """(H, W) float32 0..1 where a lamp reflects when glare is on."""
    pitch_px: float
    """Mean grid pitch in image px."""
    hand_shadow_shift: np.ndarray

    @property
    def size(self) -> int:
        return self.board.size

    @property
    def width(self) -> int:
        return self.camera.width

    @property
    def height(self) -> int:
        return self.camera.height

    @classmethod
    def random(
        cls, board_size: int, seed: int, *, width: int = 640, height: int = 480, max_tilt_deg: float = 45.0
    ) -> "Scene":
        if board_size not in BOARD_SIZES:
            raise BadInputError(f"board size {board_size} is not one of {', '.join(map(str, BOARD_SIZES))}")
        if width < 64 or height < 64:
            raise BadInputError(f"image size {width}x{height} is too small (at least 64x64)")
        if not 0.0 <= max_tilt_deg <= 60.0:
            raise BadInputError(f"max_tilt_deg {max_tilt_deg} is outside 0..60")
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, board_size, 0x5CE7E])
        board = BoardModel.random(board_size, rng)
        camera = random_camera(board, rng, width, height, max_tilt_deg)
        stone_set = StoneSet.random(rng, board.pitch_x)
        light = Light.random(rng)
        exposure = Exposure.random((height, width), rng)

        projected = camera.project(board.grid_corners()).astype(np.float32)
        if _signed_area(projected) <= 0:
            raise AssertionError("camera mirrored the board")  # a pinhole camera cannot
        start = int(np.argmin(np.sum(projected.astype(np.float64) ** 2, axis=1)))
        corners = np.roll(projected, -start, axis=0)
        n = board_size - 1
        pitch_px = float(
            (np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[1])
             + np.linalg.norm(corners[3] - corners[2]) + np.linalg.norm(corners[0] - corners[3])) / (4 * n)
        )
        grid_mask = np.zeros((height, width), np.uint8)
        cv2.fillConvexPoly(grid_mask, np.round(corners).astype(np.int32), 1)

        base = _table(camera, board, rng)
        _board_block(base, camera, board, light, rng)
        outlines = draw_distractors(base, camera, board, stone_set, light, pitch_px, rng)

        a, b = rng.random(2)
        spot = (1 - a) * ((1 - b) * corners[0] + b * corners[3]) + a * ((1 - b) * corners[1] + b * corners[2])
        glare = glare_map((height, width), spot, pitch_px * rng.uniform(1.5, 5.0), rng)

        # A hand ~150 mm above the board casts its shadow away from the light.
        lift = 150.0
        above = np.array([0.0, 0.0, -lift])
        shadow = -light.direction * (lift / -light.direction[2])
        shadow[2] = 0
        img = camera.project(np.stack([above, shadow]))
        return cls(
            seed=int(seed), board=board, camera=camera, stone_set=stone_set, light=light, exposure=exposure,
            base=base, corners=corners.astype(np.float32), corner_start=start, grid_mask=grid_mask,
            distractor_outlines=tuple(outlines), glare=glare, pitch_px=pitch_px,
            hand_shadow_shift=(img[1] - img[0]).astype(np.float32),
        )

    # --- frames of reference -------------------------------------------------

    def _axes(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """Physical (row, col) of view point (0, 0) and the physical steps of view col and view row."""
        physical = self.board.corner_points()
        g0 = physical[self.corner_start]
        g1 = physical[(self.corner_start + 1) % 4]
        g3 = physical[(self.corner_start + 3) % 4]
        n = self.board.size - 1
        e_col = ((g1[0] - g0[0]) // n, (g1[1] - g0[1]) // n)
        e_row = ((g3[0] - g0[0]) // n, (g3[1] - g0[1]) // n)
        return g0, e_col, e_row

    def to_view(self, point: Point) -> Point:
        """A physical board point (as given to `render`) in the frame of `corners`."""
        g0, e_col, e_row = self._axes()
        dr, dc = point[0] - g0[0], point[1] - g0[1]
        return dr * e_row[0] + dc * e_row[1], dr * e_col[0] + dc * e_col[1]

    def from_view(self, point: Point) -> Point:
        """A point in the frame of `corners` back on the physical board."""
        g0, e_col, e_row = self._axes()
        return g0[0] + point[0] * e_row[0] + point[1] * e_col[0], g0[1] + point[0] * e_row[1] + point[1] * e_col[1]

    def view_position(self, position: Position) -> Position:
        return Position(position.size, {self.to_view(p): c for p, c in position.stones.items()})

    # --- pieces of a frame -------------------------------------------------------

    def _check_position(self, position: Position) -> None:
        if position.size != self.board.size:
            raise BadInputError(f"position is {position.size}x{position.size} but the scene's board is {self.board.size}x{self.board.size}")

    def _stone_layer(
        self, position: Position, rng: np.random.Generator, stone_seeds: Mapping[Point, int] | None
    ) -> StoneLayer:
        canvas = self.base.copy()
        stones = list(position)
        points: list[Point] = [p for p, _ in stones]
        colours: list[Color] = [c for _, c in stones]
        bases = np.zeros((len(stones), 3))
        if stones:
            bases[:, :2] = [self.board.point_xy(p) for p in points]
        if stone_seeds is None:
            if stones:
                bases[:, :2] += np.clip(rng.normal(0, PLACEMENT_SD_MM, (len(stones), 2)), -PLACEMENT_MAX_MM, PLACEMENT_MAX_MM)
            batch = StoneBatch.build(self.stone_set, bases, colours, rng)
        else:
            missing = [p for p in points if p not in stone_seeds]
            if missing:
                raise BadInputError(f"stone_seeds has no seed for the stone at {missing[0]}")
            singles = []
            for i, (point, colour) in enumerate(stones):
                own = np.random.default_rng([self.seed & 0xFFFFFFFF, int(stone_seeds[point]) & 0xFFFFFFFF, 0x5701E])
                bases[i, :2] += np.clip(own.normal(0, PLACEMENT_SD_MM, 2), -PLACEMENT_MAX_MM, PLACEMENT_MAX_MM)
                singles.append(StoneBatch.build(self.stone_set, bases[i : i + 1], [colour], own))
            batch = _concat(singles) if singles else StoneBatch.build(self.stone_set, bases, colours, rng)
        draw_shadows(canvas, self.camera, batch, self.light, self.pitch_px)
        outlines = draw_stones(canvas, self.camera, batch, self.light)
        return StoneLayer(position, canvas, tuple(stones), tuple(outlines))

    def _posed_hand(self, pose: HandPose, rng: np.random.Generator) -> HandLayer:
        n = self.size - 1
        row, col = pose.target
        if not (0 <= row <= n and 0 <= col <= n):
            raise BadInputError(f"hand target {pose.target} is off the {self.size}x{self.size} board")
        if not 0.0 <= pose.reach <= 1.0:
            raise BadInputError(f"hand reach {pose.reach} is outside 0..1")
        if pose.side is not None and pose.side not in (0, 1, 2, 3):
            raise BadInputError(f"hand side {pose.side} is not one of 0, 1, 2, 3")
        look = pose.look if pose.look is not None else HandLook.random(rng)
        side = pose.side if pose.side is not None else int(np.argmin([row, n - col, n - row, col]))
        wx, wy = self.board.wood_half
        shoulder = {
            0: (0.0, -wy - SHOULDER_MM),
            1: (wx + SHOULDER_MM, 0.0),
            2: (0.0, wy + SHOULDER_MM),
            3: (-wx - SHOULDER_MM, 0.0),
        }[side]
        x, y = self.board.point_xy(pose.target)
        toward = np.array([shoulder[0] - x, shoulder[1] - y])
        toward *= 20.0 / max(float(np.linalg.norm(toward)), 1e-6)
        # The arm's direction in the image: from the target a short step towards the player.
        ends = self.camera.project(np.array([[x, y, 0.0], [x + toward[0], y + toward[1], 0.0]]))
        shape = (self.height, self.width)
        tip, entry = reach_path(shape, ends[0], ends[1] - ends[0], pose.reach, look, self.pitch_px, self.corners)
        return paint_hand(shape, tip, entry, look, self.pitch_px, self.hand_shadow_shift, rng)

    # --- rendering -------------------------------------------------------------

    def stone_layer(
        self, position: Position, *, seed: int = 0, stone_seeds: Mapping[Point, int] | None = None
    ) -> StoneLayer:
        """The board with `position`'s stones drawn, to pass to `render` for
        every frame that shows this position (see `render`'s `layer`)."""
        self._check_position(position)
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF, 0x57A4E])
        layer = self._stone_layer(position, rng, stone_seeds)
        layer.canvas.flags.writeable = False
        return layer

    def render(
        self,
        position: Position,
        *,
        seed: int,
        hand: bool | HandPose | Sequence[HandPose] | None = None,
        motion_blur: bool | None = None,
        glare: bool | float | None = None,
        noise: bool | None = None,
        jpeg: bool | None = None,
        light_drift: float = 0.0,
        stone_seeds: Mapping[Point, int] | None = None,
        layer: StoneLayer | None = None,
    ) -> RenderedBoard:
        """One frame of `position` (physical board frame: row 0 is the board's
        own first row; the returned truth is in the frame of the corners).

        Each nuisance flag: None lets `seed` decide, True/False forces it.
        `hand` may also be one or more `HandPose`s: hands placed where a video
        needs them. `glare` may also be a strength 0..1, for a reflection that
        stays the same from frame to frame. `light_drift` in -1..1 dims
        (negative) or brightens (positive) the room relative to the scene's
        lighting, for slowly changing light in videos.

        For videos, where a stone must look the same and lie at the same spot in
        every frame: `stone_seeds` gives each stone its own seed for its small
        offset from the grid point and its individual variations (instead of
        `seed`); `layer`, from `stone_layer` for this same position, skips
        drawing the stones again.
        """
        self._check_position(position)
        if not -1.0 <= light_drift <= 1.0:
            raise BadInputError(f"light_drift {light_drift} is outside -1..1")
        poses = _hand_poses(hand)
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF, 0xF7A3E])
        draws = rng.random(5)
        random_hand = bool(draws[0] < P_HAND) if hand is None else hand is True
        motion_blur_on = bool(draws[1] < P_MOTION_BLUR) if motion_blur is None else motion_blur
        if glare is None or isinstance(glare, bool):
            glare_on = bool(draws[2] < P_GLARE) if glare is None else glare
            glare_strength = None
        else:
            if not 0.0 <= glare <= 1.0:
                raise BadInputError(f"glare strength {glare} is outside 0..1")
            glare_on, glare_strength = glare > 0.0, float(glare)
        noise = bool(draws[3] < P_NOISE) if noise is None else noise
        jpeg = bool(draws[4] < P_JPEG) if jpeg is None else jpeg

        if layer is None:
            layer = self._stone_layer(position, rng, stone_seeds)
            canvas = layer.canvas
        else:
            if layer.position != position or layer.canvas.shape[:2] != (self.height, self.width):
                raise BadInputError("the stone layer passed to render was drawn for another position or scene")
            canvas = layer.canvas.copy()
        points: list[Point] = [p for p, _ in layer.stones]
        colours: list[Color] = [c for _, c in layer.stones]
        outlines = layer.outlines

        if glare_on:
            lamp = np.array([1.0, 1.0, 1.0], np.float32) * self.light.colour
            level = float(rng.uniform(GLARE_MIN, GLARE_MAX)) if glare_strength is None else (
                GLARE_MIN + (GLARE_MAX - GLARE_MIN) * glare_strength
            )
            canvas += self.glare[:, :, None] * (level * lamp)[None, None, :].astype(np.float32)

        hands: list[HandLayer] = []
        if random_hand:
            hands.append(draw_hand((self.height, self.width), self.corners, self.pitch_px, self.hand_shadow_shift, rng))
        hands.extend(self._posed_hand(pose, rng) for pose in poses)
        visible = [1.0] * len(points)
        occlusion = 0.0
        if hands:
            cover = np.zeros((self.height, self.width), np.float32)
            for hl in hands:
                canvas *= (1.0 - hl.shadow)[:, :, None]
                x0, y0 = hl.origin
                bh, bw = hl.colour.shape[:2]
                roi = canvas[y0 : y0 + bh, x0 : x0 + bw]
                a = hl.alpha[y0 : y0 + bh, x0 : x0 + bw, None]
                roi += a * (hl.colour - roi)
                # Coverage of several hands: what the ones before left uncovered, times this one's.
                cover += (1.0 - cover) * hl.alpha
            visible = [_visible_fraction(cover, o) for o in outlines]
            grid_area = float(self.grid_mask.sum())
            occlusion = float(cover[self.grid_mask.astype(bool)].sum() / max(grid_area, 1.0))

        out = expose(canvas, self.exposure, light_drift)
        out = soften(out, self.exposure.softness)
        if motion_blur_on:
            out = apply_motion_blur(out, rng)
        if noise:
            out = add_noise(out, self.exposure, rng)
        np.clip(out, 0, 255, out=out)
        image = out.astype(np.uint8)
        if jpeg:
            image = jpeg_roundtrip(image, int(np.clip(self.exposure.jpeg_quality + rng.integers(-10, 11), 25, 95)))

        truths = []
        for point, colour, outline, vis in zip(points, colours, outlines, visible):
            x0, y0 = outline.min(axis=0)
            x1, y1 = outline.max(axis=0)
            truths.append(
                StoneTruth(self.to_view(point), colour, (float(x0), float(y0), float(x1), float(y1)), outline.astype(np.float32), float(vis))
            )
        return RenderedBoard(
            image=image,
            corners=self.corners.copy(),
            position=self.view_position(position),
            stones=truths,
            occlusion=occlusion,
        )


def _concat(batches: list[StoneBatch]) -> StoneBatch:
    return StoneBatch(**{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(StoneBatch)})


def _hand_poses(hand: bool | HandPose | Sequence[HandPose] | None) -> list[HandPose]:
    if hand is None or isinstance(hand, bool):
        return []
    poses = [hand] if isinstance(hand, HandPose) else list(hand)
    for pose in poses:
        if not isinstance(pose, HandPose):
            raise BadInputError(f"hand {pose!r} is not a HandPose")
    return poses


def _visible_fraction(alpha: np.ndarray, outline: np.ndarray) -> float:
    h, w = alpha.shape
    x0, y0 = np.maximum(np.floor(outline.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(outline.max(axis=0)).astype(int) + 1, [w, h])
    if x1 <= x0 or y1 <= y0:
        return 1.0
    patch = alpha[y0:y1, x0:x1]
    if not patch.any():
        return 1.0
    mask = np.zeros(patch.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round((outline - [x0, y0]) * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    inside = mask.astype(bool)
    if not inside.any():
        return 1.0
    return float(1.0 - patch[inside].mean())


def _table(camera: Camera, board: BoardModel, rng: np.random.Generator) -> np.ndarray:
    """The table under and around the board, in perspective."""
    w, h = camera.width, camera.height
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1], [w / 2, h / 2]], dtype=np.float64)
    d = camera.rays(corners[:, 0], corners[:, 1]).astype(np.float64)
    c = camera.center
    # Rays that run near the horizon are cut at 3 m.
    s = np.where(d[:, 2] > 1e-3, (board.thickness - c[2]) / np.maximum(d[:, 2], 1e-3), 3000.0)
    s = np.minimum(s, 3000.0)
    pts = c[None, :] + s[:, None] * d
    lo = pts[:, :2].min(axis=0) - 50
    hi = pts[:, :2].max(axis=0) + 50
    extent = hi - lo
    px_per_mm = min(2.0, 900.0 / float(extent.max()))
    tw, th = max(8, int(extent[0] * px_per_mm)), max(8, int(extent[1] * px_per_mm))
    tex = table_texture((th, tw), rng, px_per_mm)
    tex_to_world = np.array([[1 / px_per_mm, 0, lo[0]], [0, 1 / px_per_mm, lo[1]], [0, 0, 1]])
    hmg = camera.plane_homography(board.thickness) @ tex_to_world
    return cv2.warpPerspective(tex, hmg, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _board_block(canvas: np.ndarray, camera: Camera, board: BoardModel, light: Light, rng: np.random.Generator) -> None:
    """The board's visible sides and its top face, drawn over the table."""
    top = board.wood_corners(0.0)
    bottom = board.wood_corners(board.thickness)
    wx, wy = board.wood_half
    normals = [np.array([0, -1.0, 0]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), np.array([-1.0, 0, 0])]
    texture = _top_texture(camera, board, rng)
    side_colour = texture.image[:3, :].reshape(-1, 3).mean(axis=0) * rng.uniform(0.6, 0.85)  # margin: no ink
    # The block's shadow on the table, cast along the light.
    v = -light.direction
    cast = top + ((board.thickness - top[:, 2]) / v[2])[:, None] * v[None, :]
    shadow_poly = cv2.convexHull(camera.project(np.concatenate([cast, bottom])).astype(np.float32)).reshape(-1, 2)
    shadow = np.zeros(canvas.shape[:2], np.uint8)
    cv2.fillConvexPoly(shadow, np.round(shadow_poly * 16).astype(np.int32), 255, cv2.LINE_AA, 4)
    soft = max(2.0, 0.01 * camera.width)
    canvas *= (1.0 - wide_blur(shadow.astype(np.float32), soft) * (light.shadow_strength / 255.0))[:, :, None]
    centre = camera.center
    for k in range(4):
        i, j = k, (k + 1) % 4
        face = np.stack([top[i], top[j], bottom[j], bottom[i]])
        if (centre - face.mean(axis=0)) @ normals[k] <= 0:
            continue
        # Sides get the room's ambient light, which is never as dim as the pure model says.
        lit = max(0.55, (light.ambient + light.diffuse * max(0.0, float(normals[k] @ light.direction))) / (
            light.ambient + light.diffuse * max(0.0, -float(light.direction[2]))
        ))
        poly = camera.project(face)
        cv2.fillConvexPoly(canvas, np.round(poly * 16).astype(np.int32), (side_colour * lit).tolist(), cv2.LINE_AA, 4)
    world_to_tex = texture.world_to_texture(board)
    hmg = camera.plane_homography(0.0) @ np.linalg.inv(world_to_tex)
    cv2.warpPerspective(
        texture.image, hmg, (camera.width, camera.height), dst=canvas,
        flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT,
    )


def _top_texture(camera: Camera, board: BoardModel, rng: np.random.Generator):
    # Texture resolution a little above the finest image scale on the board, so
    # thin lines neither alias nor blur when warped.
    wood = board.wood_corners(0.0)
    scale = max(
        float(np.linalg.norm(np.diff(camera.project(np.stack([p, p + [1.0, 0, 0], p + [0, 1.0, 0]])), axis=0), axis=1).max())
        for p in wood
    )
    wx, wy = board.wood_half
    px_per_mm = float(np.clip(scale * 1.3, 0.5, 1200.0 / (2 * max(wx, wy))))
    return render_board_texture(board, rng, px_per_mm)


def render_board(position: Position, seed: int, **kwargs) -> RenderedBoard:
    """`Scene.random(position.size, seed)` then `.render(position, seed=seed)`.

    Keyword arguments go to `Scene.random` (width, height, max_tilt_deg) or to
    `Scene.render` (hand, motion_blur, glare, noise, jpeg, light_drift, stone_seeds).
    """
    scene_keys = {"width", "height", "max_tilt_deg"}
    scene_kwargs = {k: v for k, v in kwargs.items() if k in scene_keys}
    render_kwargs = {k: v for k, v in kwargs.items() if k not in scene_keys}
    return Scene.random(position.size, seed, **scene_kwargs).render(position, seed=seed, **render_kwargs)


def render_random_board(seed: int, **kwargs) -> RenderedBoard:
    """A whole random frame from one seed: board size (9, 13, 19 alike), position and scene.

    The frames of `tools/make_rendered_set.py` and of the corner finder's training;
    keyword arguments go to `Scene.render` (hand, ...).
    """
    rng = np.random.default_rng(seed)
    size = BOARD_SIZES[int(rng.integers(len(BOARD_SIZES)))]
    return Scene.random(size, seed).render(random_position(size, rng), seed=seed, **kwargs)
