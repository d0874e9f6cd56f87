"""The board stage: stones on intersections, modelled as sgfmill models them."""

from edge.board.position import BOARD_SIZES, Color, Point, Position, opponent

__all__ = ["BOARD_SIZES", "Color", "Point", "Position", "opponent"]
