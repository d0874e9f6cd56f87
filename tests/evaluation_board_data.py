"""Hand-made board diagrams for the board-metric tests (rows top first, . B W)."""

from __future__ import annotations

from edge.board.position import Position

# A 9x9 opening, asymmetric so that its 8 symmetries all differ.
OPENING_9 = """
. . . . . . . . .
. . . . . . . . .
. . B . . . W . .
. . . . . . . . .
. . . . B . . . .
. . . . . . . W .
. . W . . . B . .
. . . . . . . B .
. . . . . . . . .
"""

# The same opening read with one white stone missing (G7) and one extra black
# stone (A1): 2 wrong points, one each way.
OPENING_9_TWO_WRONG = """
. . . . . . . . .
. . . . . . . . .
. . B . . . . . .
. . . . . . . . .
. . . . B . . . .
. . . . . . . W .
. . W . . . B . .
. . . . . . . B .
B . . . . . . . .
"""

# The opening with the colours of C7 and C3 swapped: black read as white and back.
OPENING_9_COLOURS_SWAPPED = """
. . . . . . . . .
. . . . . . . . .
. . W . . . W . .
. . . . . . . . .
. . . . B . . . .
. . . . . . . W .
. . B . . . B . .
. . . . . . . B .
. . . . . . . . .
"""

# A bare 13x13 board.
EMPTY_13 = "\n".join([". " * 13] * 13)


def position(diagram: str) -> Position:
    return Position.from_rows(diagram.strip().splitlines())


# A small game with a capture: White's stone at E5 (SGF ee) is surrounded by
# black and removed when Black plays E4 (SGF ef).
CAPTURE_SGF = (
    b"(;GM[1]FF[4]SZ[9]"
    b";B[ed];W[ee];B[de];W[aa];B[fe];W[ai];B[ef])"
)

CAPTURE_SGF_FINAL = """
W . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . B . . . .
. . . B . B . . .
. . . . B . . . .
. . . . . . . . .
. . . . . . . . .
W . . . . . . . .
"""
