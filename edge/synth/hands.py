"""Hands and arms reaching over the board from an image edge.

Drawn in image space (the hand is much nearer the camera than the board, so
its exact 3D pose matters less than its look): a forearm, often in a sleeve,
a palm and fingers, skin toned, rounded by shading, a little out of focus,
casting a soft shadow on the board.

A `HandLook` is what stays the same about one person's hand (size, skin,
sleeve, how it holds its fingers); a `HandPose` puts such a hand at a point of
the board, reaching in from a player's side, for videos of a game.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.board.position import Point
from edge.errors import BadInputError
from edge.synth.photo import wide_blur

SKIN_TONES: tuple[tuple[float, float, float], ...] = (
    (165, 185, 225),
    (140, 165, 215),
    (115, 145, 200),
    (95, 125, 175),
    (70, 95, 140),
    (45, 62, 95),
)
HAND_POSES: tuple[str, ...] = ("open", "pinch", "fist")
_SHIFT = 4
# Where a placing hand's middle fingertips end, beyond the point it reaches for (grid pitches):
# the stone is held under the fingertips, so the fingers cover the point.
FINGERTIPS_BEYOND = 1.5


@dataclass(frozen=True)
class HandLayer:
    alpha: np.ndarray
    """(H, W) float32 0..1 coverage."""
    colour: np.ndarray
    """(h, w, 3) float32 BGR of the hand's box, whose top-left is `origin`."""
    origin: tuple[int, int]
    shadow: np.ndarray
    """(H, W) float32 0..1 darkening it casts on what is under it."""


@dataclass(frozen=True)
class HandLook:
    """One person's hand, the same from frame to frame. Lengths are in units of
    `size` grid pitches (the hand is nearer the camera than the board, so it
    looks bigger than its 22 mm-pitch neighbours)."""

    size: float
    arm_w: float
    palm_len: float
    palm_w: float
    pose: str
    """"open", "pinch" or "fist"."""
    finger_w: float
    """Width of a finger, as a fraction of the palm's width."""
    finger_len: tuple[float, float, float, float]
    """Each finger's length as a fraction of the palm's length, little finger side first."""
    thumb_side: float
    """-1 or 1: which side of the palm the thumb is on."""
    skin: tuple[float, float, float]
    """BGR 0..255."""
    sleeve: tuple[float, float, float] | None
    """BGR 0..255 of the sleeve; None: a bare forearm."""
    cuff: float
    """How far the sleeve ends behind the wrist, in arm widths."""
    sleeve_w: float
    """Sleeve width over arm width."""
    defocus: float
    """Blur (px sigma): the hand is nearer than the board the camera focuses on."""
    shadow: float
    """Darkness 0..1 of the shadow it casts."""

    @classmethod
    def random(cls, rng: np.random.Generator, pose: str | None = None) -> "HandLook":
        """A random hand; `pose` fixes how it holds its fingers ("pinch": holding a stone)."""
        if pose is not None and pose not in HAND_POSES:
            raise BadInputError(f"hand pose {pose!r} is not one of {', '.join(HAND_POSES)}")
        size = rng.uniform(1.0, 1.5)
        arm_w = rng.uniform(3.0, 3.8)
        palm_len = rng.uniform(4.0, 4.8)
        palm_w = rng.uniform(3.6, 4.2)
        drawn = str(rng.choice(list(HAND_POSES), p=[0.4, 0.4, 0.2]))
        pose = pose or drawn
        finger_w = rng.uniform(0.2, 0.25)
        lengths = []
        for k in range(4):
            length = {"open": rng.uniform(0.75, 1.0), "pinch": rng.uniform(0.6, 0.9), "fist": rng.uniform(0.15, 0.3)}[pose]
            lengths.append(length * 0.8 if k in (0, 3) else length)
        thumb_side = float(rng.choice([-1.0, 1.0]))
        skin = np.array(SKIN_TONES[rng.integers(len(SKIN_TONES))]) * rng.uniform(0.85, 1.15, size=3)
        sleeved = rng.random() < 0.6
        cuff, sleeve_w = (rng.uniform(0.3, 2.0), rng.uniform(1.15, 1.4)) if sleeved else (0.0, 1.0)
        sleeve = rng.uniform(20, 230, size=3)
        return cls(
            size=float(size), arm_w=float(arm_w), palm_len=float(palm_len), palm_w=float(palm_w), pose=pose,
            finger_w=float(finger_w), finger_len=tuple(float(x) for x in lengths),  # type: ignore[arg-type]
            thumb_side=thumb_side, skin=tuple(float(x) for x in skin),  # type: ignore[arg-type]
            sleeve=tuple(float(x) for x in sleeve) if sleeved else None,  # type: ignore[arg-type]
            cuff=float(cuff), sleeve_w=float(sleeve_w),
            defocus=float(rng.uniform(0.5, 2.0)), shadow=float(rng.uniform(0.25, 0.5)),
        )

    def fingertips_ahead(self) -> float:
        """How far the middle fingers reach beyond the drawing's tip point, in palm lengths."""
        return 0.35 + max(self.finger_len[1], self.finger_len[2]) - 0.9


@dataclass(frozen=True)
class HandPose:
    """A hand reaching for board point `target` from one side of the board.

    `target` is in the board's own frame (as positions given to
    `Scene.render`). `reach` 0 is out of view, 0.5 has the fingertips at the
    grid's edge, 1 just past the target, covering it; in between the hand is
    on its way along the arm's line. `side` is the board side the player sits at (0: row 0's edge,
    1: the last column's, 2: the last row's, 3: column 0's); None takes the
    side nearest the target. `look` None draws a random hand from the frame's seed.
    """

    target: Point
    reach: float
    side: int | None = None
    look: HandLook | None = None


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(p[0] * (1 << _SHIFT))), int(round(p[1] * (1 << _SHIFT)))


def draw_hand(
    shape: tuple[int, int],
    board_quad: np.ndarray,
    pitch_px: float,
    shadow_shift: np.ndarray,
    rng: np.random.Generator,
) -> HandLayer:
    """A random hand reaching for a random point over the board from a random image edge."""
    h, w = shape
    a, b = rng.random(2)
    quad = np.asarray(board_quad, dtype=np.float64)
    # A random point over the board: bilinear in the grid quad.
    tip = (1 - a) * ((1 - b) * quad[0] + b * quad[3]) + a * ((1 - b) * quad[1] + b * quad[2])
    edge = rng.choice(4, p=[0.15, 0.25, 0.4, 0.2])  # top, right, bottom, left
    along = rng.uniform(0.1, 0.9)
    entry = {
        0: np.array([along * w, -0.3 * h]),
        1: np.array([1.3 * w, along * h]),
        2: np.array([along * w, 1.3 * h]),
        3: np.array([-0.3 * w, along * h]),
    }[int(edge)]
    return paint_hand(shape, tip, entry, HandLook.random(rng), pitch_px, shadow_shift, rng)


def reach_path(
    shape: tuple[int, int],
    target: np.ndarray,
    toward_player: np.ndarray,
    reach: float,
    look: HandLook,
    pitch_px: float,
    board_quad: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(tip, entry) image px of a hand reaching for the image point `target`,
    its arm coming along the unit image vector `toward_player` from the player.

    `reach` 1 has the fingertips just past the target, covering it; 0 has the
    whole hand out of the picture; with `board_quad` (the grid's image corners)
    0.5 has the fingertips at the grid's edge, so that reach above 0.5 is over
    the board and below it on the way there.
    """
    h, w = shape
    d = np.asarray(toward_player, dtype=np.float64)
    d = d / max(float(np.linalg.norm(d)), 1e-9)
    p = np.asarray(target, dtype=np.float64)
    scale = pitch_px * look.size
    palm_len, palm_w = scale * look.palm_len, scale * look.palm_w
    # Fingertip offsets from the target along `d` (towards the player) at reach 1, 0.5 and 0.
    at_target = -FINGERTIPS_BEYOND * pitch_px
    clear = palm_w / 2 + palm_w * look.finger_w + 3 * look.defocus + 4
    out = max(_exit_distance(p, d, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)), 0.0) + clear
    r = float(np.clip(reach, 0.0, 1.0))
    if board_quad is None:
        offset = out + (at_target - out) * r
    else:
        edge = min(max(_exit_distance(p, d, np.asarray(board_quad, np.float64)), 0.0), out)
        offset = edge + (at_target - edge) * (2 * r - 1) if r >= 0.5 else out + (edge - out) * (2 * r)
    tip = p + d * (offset + look.fingertips_ahead() * palm_len)
    return tip, tip + d * 2.0 * (w + h)


def _exit_distance(p: np.ndarray, d: np.ndarray, quad: np.ndarray) -> float:
    """How far from `p` (inside the convex `quad`) along unit `d` the ray leaves it."""
    best = math.inf
    for k in range(len(quad)):
        a, b = quad[k], quad[(k + 1) % len(quad)]
        e = b - a
        den = d[0] * e[1] - d[1] * e[0]
        if abs(den) < 1e-12:
            continue
        q = a - p
        t = (q[0] * e[1] - q[1] * e[0]) / den
        u = (q[0] * d[1] - q[1] * d[0]) / den
        if t >= 0 and -1e-9 <= u <= 1 + 1e-9:
            best = min(best, t)
    return 0.0 if math.isinf(best) else float(best)


def paint_hand(
    shape: tuple[int, int],
    tip: np.ndarray,
    entry: np.ndarray,
    look: HandLook,
    pitch_px: float,
    shadow_shift: np.ndarray,
    rng: np.random.Generator,
) -> HandLayer:
    """The hand `look` with its arm from image point `entry` and its palm ending
    near `tip`; `rng` only adds the skin's fine texture."""
    h, w = shape
    tip = np.asarray(tip, dtype=np.float64)
    entry = np.asarray(entry, dtype=np.float64)
    direction = tip - entry
    direction /= max(np.linalg.norm(direction), 1e-6)
    normal = np.array([-direction[1], direction[0]])

    scale = pitch_px * look.size
    arm_w = scale * look.arm_w
    palm_len = scale * look.palm_len
    palm_w = scale * look.palm_w
    palm_centre = tip - direction * palm_len * 0.9
    wrist = palm_centre - direction * palm_len * 0.5

    skin_mask = np.zeros((h, w), np.uint8)
    cv2.line(skin_mask, _pt(entry), _pt(wrist), 255, max(1, int(arm_w)), cv2.LINE_AA, _SHIFT)
    angle = math.degrees(math.atan2(direction[1], direction[0]))
    cv2.ellipse(
        skin_mask,
        ((float(palm_centre[0]), float(palm_centre[1])), (float(palm_len), float(palm_w)), angle),
        255,
        -1,
        cv2.LINE_AA,
    )
    finger_w = palm_w * look.finger_w
    for k in range(4):
        offset = (k - 1.5) / 1.5 * palm_w * 0.38
        start = palm_centre + direction * palm_len * 0.35 + normal * offset
        spread = {"open": 0.18, "pinch": 0.04, "fist": 0.0}[look.pose] * (k - 1.5)
        dir_k = direction * math.cos(spread) + normal * math.sin(spread)
        end = start + dir_k * palm_len * look.finger_len[k]
        cv2.line(skin_mask, _pt(start), _pt(end), 255, max(1, int(finger_w)), cv2.LINE_AA, _SHIFT)
    thumb_start = palm_centre + normal * look.thumb_side * palm_w * 0.35
    thumb_dir = direction * 0.7 + normal * look.thumb_side * 0.7
    cv2.line(skin_mask, _pt(thumb_start), _pt(thumb_start + thumb_dir * palm_len * 0.55), 255, max(1, int(finger_w * 1.2)), cv2.LINE_AA, _SHIFT)

    skin = np.array(look.skin, dtype=np.float32)
    sleeve_mask = np.zeros_like(skin_mask)
    if look.sleeve is not None:
        cuff = wrist - direction * arm_w * look.cuff
        cv2.line(sleeve_mask, _pt(entry), _pt(cuff), 255, max(1, int(arm_w * look.sleeve_w)), cv2.LINE_AA, _SHIFT)
    sleeve = np.array(look.sleeve if look.sleeve is not None else look.skin, dtype=np.float32)

    mask = np.maximum(skin_mask, sleeve_mask)
    defocus = look.defocus
    # Shade and blur only the hand's own box; most of the frame is not hand.
    bx, by, bw, bh = cv2.boundingRect(mask)
    if bw == 0 or bh == 0:  # entirely out of the picture
        return HandLayer(np.zeros((h, w), np.float32), np.zeros((0, 0, 3), np.float32), (0, 0), np.zeros((h, w), np.float32))
    pad = int(3 * defocus) + 2
    x0, y0 = max(bx - pad, 0), max(by - pad, 0)
    x1, y1 = min(bx + bw + pad, w), min(by + bh + pad, h)
    roi_mask = mask[y0:y1, x0:x1]
    roi_alpha = roi_mask.astype(np.float32) / 255.0
    # Limbs are rounded: darker towards their outline.
    rounded = wide_blur(roi_alpha, max(1.0, arm_w / 5))
    shade = np.clip(0.55 + 0.9 * (rounded - 0.5), 0.45, 1.15)
    s_alpha = sleeve_mask[y0:y1, x0:x1].astype(np.float32)[:, :, None] / 255.0
    colour = (skin[None, None, :] * (1 - s_alpha) + sleeve[None, None, :] * s_alpha) * shade[:, :, None]
    colour *= 1.0 + 0.04 * rng.standard_normal((y1 - y0, x1 - x0, 1), dtype=np.float32)
    alpha = np.zeros((h, w), np.float32)
    alpha[y0:y1, x0:x1] = cv2.GaussianBlur(roi_alpha, (0, 0), defocus)
    colour = cv2.GaussianBlur(colour, (0, 0), defocus)
    m = np.float32([[1, 0, shadow_shift[0]], [0, 1, shadow_shift[1]]])
    shadow = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    shadow = wide_blur(shadow.astype(np.float32), max(2.0, arm_w / 2.5)) * (look.shadow / 255.0)
    return HandLayer(alpha, colour, (x0, y0), shadow)
