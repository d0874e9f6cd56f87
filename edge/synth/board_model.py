"""The physical board in millimetres: grid pitch, wood margins, thickness.

World frame: x along the columns, y along the rows, z pointing down into the
table, so a camera above the board looking down with no rotation sees rows
going down the image and columns going right, as the rectified image does.
The board's top face is z = 0; heights above it are negative z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.board.position import Point


@dataclass(frozen=True)
class BoardModel:
    size: int
    pitch_x: float
    """Millimetres between columns (22.0 on a Japanese board)."""
    pitch_y: float
    """Millimetres between rows; slightly more than pitch_x (23.7), so the
    board looks square to a player sitting at it."""
    margin_x: float
    """Wood beyond the outer grid line, left and right."""
    margin_y: float
    thickness: float
    """Height of the board's top face above the table."""

    @classmethod
    def random(cls, size: int, rng: np.random.Generator) -> "BoardModel":
        pitch_x = rng.uniform(21.5, 23.0)
        pitch_y = pitch_x * rng.uniform(1.03, 1.08)
        margin = rng.uniform(0.6, 1.4) * pitch_x
        if size < 19:
            margin += rng.uniform(0.0, 0.8) * pitch_x
        thickness = rng.choice([rng.uniform(8, 20), rng.uniform(20, 60)], p=[0.6, 0.4])
        return cls(size, pitch_x, pitch_y, margin, margin * rng.uniform(0.95, 1.1), float(thickness))

    @property
    def grid_half(self) -> tuple[float, float]:
        half = (self.size - 1) / 2
        return half * self.pitch_x, half * self.pitch_y

    @property
    def wood_half(self) -> tuple[float, float]:
        gx, gy = self.grid_half
        return gx + self.margin_x, gy + self.margin_y

    def point_xy(self, point: Point) -> tuple[float, float]:
        """World (x, y) mm of grid point (row, col) on the board's top face."""
        row, col = point
        half = (self.size - 1) / 2
        return (col - half) * self.pitch_x, (row - half) * self.pitch_y

    def grid_corners(self) -> np.ndarray:
        """Outer grid corners (4, 3) at z = 0, in the order (0,0), (0,n-1), (n-1,n-1), (n-1,0)."""
        gx, gy = self.grid_half
        return np.array([[-gx, -gy, 0], [gx, -gy, 0], [gx, gy, 0], [-gx, gy, 0]], dtype=np.float64)

    def wood_corners(self, z: float = 0.0) -> np.ndarray:
        """Corners (4, 3) of the wood rectangle at height z, same order as grid_corners."""
        wx, wy = self.wood_half
        return np.array([[-wx, -wy, z], [wx, -wy, z], [wx, wy, z], [-wx, wy, z]], dtype=np.float64)

    def corner_points(self) -> list[Point]:
        n = self.size - 1
        return [(0, 0), (0, n), (n, n), (n, 0)]
