"""What a simulated board sends: a game record turned into the daemon's messages, move by move.

For each move the daemon publishes the `move` event, then the retained `state`
and `sgf` (see `edge.daemon.service`); the simulator sends the same three,
built here once per game so that the timed loop only calls the publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edge.board.position import opponent
from edge.errors import BadInputError
from edge.publish.payloads import sgf_point

if TYPE_CHECKING:  # the fleet processes unpickle ScriptedMove: keep opencv out of their imports
    from edge.synth.games import PlayedGame


@dataclass(frozen=True)
class ScriptedMove:
    event: dict[str, Any]
    """For `Publisher.publish_move`: game_id, size, move_number, kind, color, point, captured."""
    state: dict[str, Any]
    """For `Publisher.publish_state`."""
    sgf: bytes
    """For `Publisher.publish_sgf`: the record up to this move."""

    @property
    def game_id(self) -> str:
        return str(self.event["game_id"])


def _sgf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("]", "\\]")


def board_script(game: "PlayedGame", moves: int, game_id: str) -> list[ScriptedMove]:
    """`moves` scripted moves from `game`, played again from the start (a new game id) when it runs out."""
    if moves < 0:
        raise BadInputError(f"move count {moves} is negative")
    played = game.replay()
    if not played and moves:
        raise BadInputError(f"game {game.name} has no moves to replay")
    header = f"(;GM[1]FF[4]CA[UTF-8]SZ[{game.size}]KM[{game.komi:g}]"
    if game.black:
        header += f"PB[{_sgf_text(game.black)}]"
    if game.white:
        header += f"PW[{_sgf_text(game.white)}]"
    for color in ("b", "w"):
        stones = sorted(p for p, c in game.setup.items() if c == color)
        if stones:
            header += f"A{color.upper()}" + "".join(f"[{sgf_point(p)}]" for p in stones)
    out: list[ScriptedMove] = []
    while len(out) < moves:
        round_id = f"{game_id}-{len(out) // len(played) + 1}"
        record = header
        prisoners = {"b": 0, "w": 0}
        for number, move in enumerate(played, 1):
            if len(out) == moves:
                break
            prisoners[move.color] += len(move.captured)
            record += f";{move.color.upper()}[{sgf_point(move.point)}]"
            event = {
                "game_id": round_id, "size": game.size, "move_number": number, "kind": "move",
                "color": move.color, "point": list(move.point), "captured": [list(p) for p in move.captured],
            }
            state = {
                "game_id": round_id, "size": game.size, "rows": move.after.rows(), "move_number": number,
                "to_play": opponent(move.color), "prisoners": dict(prisoners),
                "last_move": {"color": move.color, "point": list(move.point)},
            }
            out.append(ScriptedMove(event, state, (record + ")").encode("utf-8")))
    return out
