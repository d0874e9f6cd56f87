"""Things beside the board that are not on it: stone bowls and loose stones.

They sit on the table, never over the board as the camera sees it, and never
appear in the ground truth; a detector must learn to ignore them.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.synth.board_model import BoardModel
from edge.synth.camera import Camera
from edge.synth.photo import wide_blur
from edge.synth.stones import Light, StoneBatch, StoneSet, draw_shadows, draw_stones, silhouettes

_SHIFT = 4
_RING = np.linspace(0, 2 * np.pi, 36, endpoint=False)
BOWL_COLOURS: tuple[tuple[float, float, float], ...] = (
    (40, 75, 120),    # lacquered wood
    (70, 120, 170),   # light wood
    (25, 25, 28),     # black plastic
    (215, 218, 220),  # white plastic
    (35, 45, 90),     # dark red-brown
)


def _fixed(poly: np.ndarray) -> np.ndarray:
    return np.round(poly * (1 << _SHIFT)).astype(np.int32)


def board_silhouette(camera: Camera, board: BoardModel) -> np.ndarray:
    """Image polygon of the board block (top face and sides)."""
    pts = np.concatenate([board.wood_corners(0.0), board.wood_corners(board.thickness)])
    return cv2.convexHull(camera.project(pts).astype(np.float32)).reshape(-1, 2)


def _overlaps(shape: tuple[int, int], a: np.ndarray, b: np.ndarray) -> bool:
    ma = np.zeros(shape, np.uint8)
    mb = np.zeros(shape, np.uint8)
    cv2.fillPoly(ma, [np.round(a).astype(np.int32)], 1)
    cv2.fillPoly(mb, [np.round(b).astype(np.int32)], 1)
    # Padding by a few px keeps anti-aliased edges and blur apart too.
    mb = cv2.dilate(mb, np.ones((7, 7), np.uint8))
    return bool((ma & mb).any())


def _in_view(camera: Camera, poly: np.ndarray) -> bool:
    c = poly.mean(axis=0)
    return -0.1 * camera.width < c[0] < 1.1 * camera.width and -0.1 * camera.height < c[1] < 1.1 * camera.height


def _spot_beside(board: BoardModel, clearance: float, rng: np.random.Generator) -> np.ndarray:
    wx, wy = board.wood_half
    side = rng.integers(4)
    gap = clearance + rng.uniform(5, 120)
    if side < 2:
        x = (wx + gap) * (1 if side == 0 else -1)
        y = rng.uniform(-wy, wy) * 1.1
    else:
        y = (wy + gap) * (1 if side == 2 else -1)
        x = rng.uniform(-wx, wx) * 1.1
    return np.array([x, y, board.thickness])


def _bowl_rings(centre: np.ndarray, radius: float, height: float, lid: bool) -> list[np.ndarray]:
    profile = [(0.0, 0.62), (0.12, 0.85), (0.4, 1.0), (0.75, 0.96), (1.0, 0.86)]
    if lid:
        profile += [(1.08, 0.82), (1.18, 0.6), (1.24, 0.3)]
    rings = []
    for hf, rf in profile:
        r = rf * radius
        rings.append(
            np.stack(
                [centre[0] + r * np.cos(_RING), centre[1] + r * np.sin(_RING), np.full_like(_RING, centre[2] - hf * height)],
                axis=1,
            )
        )
    return rings


def draw_distractors(
    canvas: np.ndarray,
    camera: Camera,
    board: BoardModel,
    stone_set: StoneSet,
    light: Light,
    pitch_px: float,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Draw 0-2 bowls and 0-6 loose stones beside the board; returns their image outlines."""
    shape = canvas.shape[:2]
    board_poly = board_silhouette(camera, board)
    outlines: list[np.ndarray] = []
    for _ in range(int(rng.choice([0, 1, 2], p=[0.3, 0.4, 0.3]))):
        radius = rng.uniform(55, 75)
        height = rng.uniform(55, 85)
        lid = bool(rng.random() < 0.4)
        for _attempt in range(12):
            centre = _spot_beside(board, radius, rng)
            rings = _bowl_rings(centre, radius, height, lid)
            poly = cv2.convexHull(camera.project(np.concatenate(rings)).astype(np.float32)).reshape(-1, 2)
            if _in_view(camera, poly) and not _overlaps(shape, poly, board_poly) and not any(
                _overlaps(shape, poly, o) for o in outlines
            ):
                _draw_bowl(canvas, camera, centre, radius, height, lid, rings, poly, light, stone_set, rng)
                outlines.append(poly)
                break

    count = int(rng.choice([0, 0, 1, 2, 3, 6]))
    bases, colours = [], []
    for _ in range(count):
        for _attempt in range(8):
            base = _spot_beside(board, 12.0, rng)
            colour = "b" if rng.random() < 0.5 else "w"
            batch = StoneBatch.build(stone_set, base[None, :], [colour], rng)
            poly = silhouettes(camera, batch)[0]
            if _in_view(camera, poly) and not _overlaps(shape, poly, board_poly) and not any(
                _overlaps(shape, poly, o) for o in outlines
            ):
                bases.append(base)
                colours.append(colour)
                outlines.append(poly)
                break
    if bases:
        batch = StoneBatch.build(stone_set, np.array(bases), colours, rng)
        draw_shadows(canvas, camera, batch, light, pitch_px)
        draw_stones(canvas, camera, batch, light)
    return outlines


def _draw_bowl(canvas, camera, centre, radius, height, lid, rings, poly, light, stone_set, rng) -> None:
    h, w = canvas.shape[:2]
    # Cast shadow on the table.
    v = -light.direction
    pts = np.concatenate(rings)
    s = (centre[2] - pts[:, 2]) / v[2]
    cast = cv2.convexHull(camera.project(pts + s[:, None] * v[None, :]).astype(np.float32)).reshape(-1, 2)
    shadow = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(shadow, _fixed(cast), 255, cv2.LINE_AA, _SHIFT)
    shadow = wide_blur(shadow.astype(np.float32), 6.0) * (light.shadow_strength / 255.0)
    canvas *= (1 - shadow)[:, :, None]

    colour = np.array(BOWL_COLOURS[rng.integers(len(BOWL_COLOURS))], dtype=np.float32) * rng.uniform(0.85, 1.15)
    body = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(body, _fixed(poly), 255, cv2.LINE_AA, _SHIFT)
    # Shade across the bowl: lit side towards the light, as seen in the image.
    c_img = camera.project(centre[None, :])[0]
    l_img = camera.project((centre - 100 * np.r_[light.direction[:2], 0])[None, :])[0] - c_img
    l_img /= max(np.linalg.norm(l_img), 1e-6)
    span = max(np.ptp(poly[:, 0]), np.ptp(poly[:, 1]), 1.0)
    x0, y0 = np.maximum(np.floor(poly.min(axis=0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(poly.max(axis=0)).astype(int) + 2, [w, h])
    if x1 > x0 and y1 > y0:
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        grad = ((xx - c_img[0]) * l_img[0] + (yy - c_img[1]) * l_img[1]) / span
        shade = np.clip(0.85 + 0.5 * grad, 0.45, 1.25)
        a = body[y0:y1, x0:x1].astype(np.float32)[:, :, None] / 255.0
        roi = canvas[y0:y1, x0:x1]
        roi[:] = roi * (1 - a) + (colour[None, None, :] * shade[:, :, None]) * a

    top = camera.project(rings[-1]).astype(np.float32)
    if lid:
        hl = np.zeros((h, w), np.uint8)
        centre_top = top.mean(axis=0)
        cv2.ellipse(hl, ((float(centre_top[0] + l_img[0] * span * 0.15), float(centre_top[1] + l_img[1] * span * 0.15)),
                         (span * 0.18, span * 0.1), float(np.degrees(np.arctan2(l_img[1], l_img[0]))) + 90), 255, -1, cv2.LINE_AA)
        hl = cv2.GaussianBlur(hl, (0, 0), 3).astype(np.float32) / 255.0
        canvas += hl[:, :, None] * 70.0
        return
    mouth = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mouth, _fixed(cv2.convexHull(top).reshape(-1, 2)), 255, cv2.LINE_AA, _SHIFT)
    m = mouth.astype(np.float32)[:, :, None] / 255.0
    canvas[:] = canvas * (1 - 0.6 * m) + 0.6 * m * colour[None, None, :] * 0.35
    # A heap of stones inside, drawn as real stones just below the rim.
    colour_name = "b" if rng.random() < 0.5 else "w"
    n = int(rng.integers(8, 20))
    ang = rng.uniform(0, 2 * np.pi, n)
    rad = np.sqrt(rng.uniform(0, 1, n)) * radius * 0.62
    bases = np.stack([centre[0] + rad * np.cos(ang), centre[1] + rad * np.sin(ang), centre[2] - height * rng.uniform(0.78, 0.9, n)], axis=1)
    batch = StoneBatch.build(stone_set, bases, [colour_name] * n, rng)
    draw_stones(canvas, camera, batch, light)
