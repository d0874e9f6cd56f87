"""A pinhole camera (no lens distortion) and its random placement over a board.

The pose is what a phone or Pi camera on a stand gives: tilted up to
`max_tilt_deg` from vertical, from any side of the board, usually with the far
edge of the board at the top of the image but sometimes rolled to any angle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edge.synth.board_model import BoardModel

STONE_CLEARANCE_MM = 12.0
"""Room around the outer grid lines that must stay in the image (edge stones)."""


@dataclass(frozen=True)
class Camera:
    K: np.ndarray
    """3x3 intrinsics."""
    R: np.ndarray
    """3x3 rotation, world -> camera (OpenCV axes: x right, y down, z forward)."""
    t: np.ndarray
    """(3,) translation, world -> camera."""
    width: int
    height: int

    @property
    def rvec(self) -> np.ndarray:
        return cv2.Rodrigues(self.R)[0]

    @property
    def center(self) -> np.ndarray:
        """Camera position in world mm."""
        return -self.R.T @ self.t

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) mm -> image px (N, 2) float64.

        The same pinhole model as `cv2.projectPoints` with no distortion (a test
        checks they agree), written out because projectPoints also computes
        Jacobians and is ~20x slower on the tens of thousands of stone samples.
        """
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        cam = pts @ (self.K @ self.R).T + (self.K @ self.t)[None, :]
        return cam[:, :2] / cam[:, 2:3]

    def depth(self, points: np.ndarray) -> np.ndarray:
        """Distance along the optical axis of world points (N, 3)."""
        return (np.asarray(points, dtype=np.float64) @ self.R[2]) + self.t[2]

    def plane_homography(self, z: float) -> np.ndarray:
        """Homography from world (x, y) on the plane at height z to image px."""
        m = np.column_stack([self.R[:, 0], self.R[:, 1], self.R[:, 2] * z + self.t])
        return self.K @ m

    def rays(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Unit world directions (N, 3) float32 through image px (u, v)."""
        kinv = np.linalg.inv(self.K)
        m = (self.R.T @ kinv).astype(np.float32)
        d = (
            m[:, 0][None, :] * u[:, None].astype(np.float32)
            + m[:, 1][None, :] * v[:, None].astype(np.float32)
            + m[:, 2][None, :]
        )
        return d / np.linalg.norm(d, axis=1, keepdims=True)

    def backproject_to_plane(self, uv: np.ndarray, z: float) -> np.ndarray:
        """Image px (N, 2) -> world points (N, 3) on the plane at height z."""
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        d = self.rays(uv[:, 0], uv[:, 1]).astype(np.float64)
        c = self.center
        s = (z - c[2]) / d[:, 2]
        return c[None, :] + s[:, None] * d

    def nadir(self) -> np.ndarray:
        """Image px of the vanishing point straight down (raised points move away from it)."""
        p = self.K @ (self.R @ np.array([0.0, 0.0, 1.0]))
        return p[:2] / p[2]


def _look_rotation(tilt: float, azimuth: float, roll: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotation world->camera and the unit vector from the target to the camera."""
    to_camera = np.array([math.sin(tilt) * math.cos(azimuth), math.sin(tilt) * math.sin(azimuth), -math.cos(tilt)])
    forward = -to_camera
    far = np.array([-math.cos(azimuth), -math.sin(azimuth), 0.0])
    up = far - (far @ forward) * forward
    up /= np.linalg.norm(up)
    down = -up
    right = np.cross(down, forward)
    c, s = math.cos(roll), math.sin(roll)
    x_axis = c * right + s * down
    y_axis = -s * right + c * down
    return np.stack([x_axis, y_axis, forward]), to_camera


def random_camera(
    board: BoardModel, rng: np.random.Generator, width: int, height: int, max_tilt_deg: float
) -> Camera:
    """A camera that sees the whole grid (plus a stone's clearance) under a random pose."""
    fov_h = math.radians(rng.uniform(50.0, 75.0))
    f = (width / 2) / math.tan(fov_h / 2)
    cx = width / 2 + rng.normal(0, 0.01 * width)
    cy = height / 2 + rng.normal(0, 0.01 * height)
    K = np.array([[f, 0, cx], [0, f, cy], [0, 0, 1]], dtype=np.float64)

    tilt = math.radians(rng.uniform(0.0, max(0.0, max_tilt_deg)))
    azimuth = rng.uniform(0, 2 * math.pi)
    if rng.random() < 0.3:
        roll = rng.uniform(-math.pi, math.pi)
    else:
        roll = math.radians(rng.normal(0, 8.0))
    R, to_camera = _look_rotation(tilt, azimuth, roll)
    fill = rng.uniform(0.6, 0.95)
    offset = rng.normal(0, 0.04, size=2) * np.array([width, height])

    wood = board.wood_corners()
    gx, gy = board.grid_half
    keep = np.array(
        [[sx * (gx + STONE_CLEARANCE_MM), sy * (gy + STONE_CLEARANCE_MM), z]
         for sx in (-1, 1) for sy in (-1, 1) for z in (0.0, -10.0)]
    )
    target = np.zeros(3)
    distance = 4.0 * max(board.wood_half)

    def make(target: np.ndarray, distance: float) -> Camera:
        centre = target + distance * to_camera
        return Camera(K, R, -R @ centre, width, height)

    for _ in range(4):
        cam = make(target, distance)
        pts = cam.project(wood)
        span = pts.max(axis=0) - pts.min(axis=0)
        distance *= max(span[0] / (fill * width), span[1] / (fill * height))
        cam = make(target, distance)
        pts = cam.project(wood)
        centre_now = (pts.max(axis=0) + pts.min(axis=0)) / 2
        wanted = np.array([cx, cy]) + offset
        moved = cam.backproject_to_plane(np.stack([centre_now, wanted]), 0.0)
        target = target + (moved[0] - moved[1])
        target[2] = 0.0

    for _ in range(60):
        cam = make(target, distance)
        pts = cam.project(keep)
        inside = (pts[:, 0] >= 2) & (pts[:, 0] <= width - 3) & (pts[:, 1] >= 2) & (pts[:, 1] <= height - 3)
        if inside.all() and (cam.depth(keep) > 0).all():
            return cam
        distance *= 1.05
        target *= 0.9
    return make(np.zeros(3), distance)
