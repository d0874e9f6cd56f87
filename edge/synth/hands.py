"""Hands and arms reaching over the board from an image edge.

Drawn in image space (the hand is much nearer the camera than the board, so
its exact 3D pose matters less than its look): a forearm, often in a sleeve,
a palm and fingers, skin toned, rounded by shading, a little out of focus,
casting a soft shadow on the board.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.photo import wide_blur

SKIN_TONES: tuple[tuple[float, float, float], ...] = (
    (165, 185, 225),
    (140, 165, 215),
    (115, 145, 200),
    (95, 125, 175),
    (70, 95, 140),
    (45, 62, 95),
)
_SHIFT = 4


@dataclass(frozen=True)
class HandLayer:
    alpha: np.ndarray
    """(H, W) float32 0..1 coverage."""
    colour: np.ndarray
    """(h, w, 3) float32 BGR of the hand's box, whose top-left is `origin`."""
    origin: tuple[int, int]
    shadow: np.ndarray
    """(H, W) float32 0..1 darkening it casts on what is under it."""


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(p[0] * (1 << _SHIFT))), int(round(p[1] * (1 << _SHIFT)))


def draw_hand(
    shape: tuple[int, int],
    board_quad: np.ndarray,
    pitch_px: float,
    shadow_shift: np.ndarray,
    rng: np.random.Generator,
) -> HandLayer:
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
    direction = tip - entry
    direction /= max(np.linalg.norm(direction), 1e-6)
    normal = np.array([-direction[1], direction[0]])

    # Sizes in grid pitches (22 mm), times how much nearer the camera the hand is.
    scale = pitch_px * rng.uniform(1.0, 1.5)
    arm_w = scale * rng.uniform(3.0, 3.8)
    palm_len = scale * rng.uniform(4.0, 4.8)
    palm_w = scale * rng.uniform(3.6, 4.2)
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
    pose = rng.choice(["open", "pinch", "fist"], p=[0.4, 0.4, 0.2])
    finger_w = palm_w * rng.uniform(0.2, 0.25)
    for k in range(4):
        offset = (k - 1.5) / 1.5 * palm_w * 0.38
        start = palm_centre + direction * palm_len * 0.35 + normal * offset
        spread = {"open": 0.18, "pinch": 0.04, "fist": 0.0}[str(pose)] * (k - 1.5)
        length = palm_len * {"open": rng.uniform(0.75, 1.0), "pinch": rng.uniform(0.6, 0.9), "fist": rng.uniform(0.15, 0.3)}[str(pose)]
        if k in (0, 3):
            length *= 0.8
        dir_k = direction * math.cos(spread) + normal * math.sin(spread)
        cv2.line(skin_mask, _pt(start), _pt(start + dir_k * length), 255, max(1, int(finger_w)), cv2.LINE_AA, _SHIFT)
    thumb_side = rng.choice([-1.0, 1.0])
    thumb_start = palm_centre + normal * thumb_side * palm_w * 0.35
    thumb_dir = direction * 0.7 + normal * thumb_side * 0.7
    cv2.line(skin_mask, _pt(thumb_start), _pt(thumb_start + thumb_dir * palm_len * 0.55), 255, max(1, int(finger_w * 1.2)), cv2.LINE_AA, _SHIFT)

    skin = np.array(SKIN_TONES[rng.integers(len(SKIN_TONES))], dtype=np.float32) * rng.uniform(0.85, 1.15, size=3).astype(np.float32)
    sleeve_mask = np.zeros_like(skin_mask)
    if rng.random() < 0.6:
        cuff = wrist - direction * arm_w * rng.uniform(0.3, 2.0)
        cv2.line(sleeve_mask, _pt(entry), _pt(cuff), 255, max(1, int(arm_w * rng.uniform(1.15, 1.4))), cv2.LINE_AA, _SHIFT)
    sleeve = rng.uniform(20, 230, size=3).astype(np.float32)

    mask = np.maximum(skin_mask, sleeve_mask)
    defocus = rng.uniform(0.5, 2.0)
    # Shade and blur only the hand's own box; most of the frame is not hand.
    bx, by, bw, bh = cv2.boundingRect(mask)
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
    # The hand is nearer than the board the camera focuses on.
    alpha = np.zeros((h, w), np.float32)
    alpha[y0:y1, x0:x1] = cv2.GaussianBlur(roi_alpha, (0, 0), defocus)
    colour = cv2.GaussianBlur(colour, (0, 0), defocus)
    m = np.float32([[1, 0, shadow_shift[0]], [0, 1, shadow_shift[1]]])
    shadow = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    shadow = wide_blur(shadow.astype(np.float32), max(2.0, arm_w / 2.5)) * (rng.uniform(0.25, 0.5) / 255.0)
    return HandLayer(alpha, colour, (x0, y0), shadow)
