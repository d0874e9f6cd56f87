"""MQTT topic names for one board: `<prefix>/<board>/<leaf>`.

Every topic of a board lives under one subtree so a broker ACL such as
`pattern write goban/%u/#` can confine each board to its own topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.errors import ConfigError

# MQTT forbids `+`, `#` and NUL in topic names; `$` at the start is reserved for
# broker topics. A conservative character set keeps topics usable as
# Home Assistant object ids and as mosquitto `%u` usernames too.
_LEVEL = re.compile(r"[A-Za-z0-9_-]{1,64}")

COMMAND_NAMES: tuple[str, ...] = ("new-game", "set-players", "end-game", "recalibrate")


def check_board_id(board_id: str) -> str:
    if not isinstance(board_id, str) or not _LEVEL.fullmatch(board_id):
        raise ConfigError(
            f"board id {board_id!r} must be 1-64 characters of letters, digits, '_' or '-'"
        )
    return board_id


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not all(_LEVEL.fullmatch(p) for p in prefix.split("/")):
        raise ConfigError(
            f"topic prefix {prefix!r} must be '/'-separated levels of letters, digits, '_' or '-'"
        )
    return prefix


@dataclass(frozen=True)
class Topics:
    prefix: str
    board_id: str

    def __post_init__(self) -> None:
        check_prefix(self.prefix)
        check_board_id(self.board_id)

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.board_id}"

    @property
    def available(self) -> str:
        return f"{self.base}/available"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def move(self) -> str:
        return f"{self.base}/move"

    @property
    def sgf(self) -> str:
        return f"{self.base}/sgf"

    @property
    def status(self) -> str:
        return f"{self.base}/status"

    @property
    def command_filter(self) -> str:
        return f"{self.base}/cmd/+"

    @property
    def command_result(self) -> str:
        return f"{self.base}/cmd/result"

    def command(self, name: str) -> str:
        return f"{self.base}/cmd/{name}"

    def command_name(self, topic: str) -> str | None:
        """The command name of a topic under `cmd/`, or None for any other topic."""
        head = f"{self.base}/cmd/"
        if not topic.startswith(head):
            return None
        name = topic[len(head):]
        return None if "/" in name else name
