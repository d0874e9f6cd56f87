"""Commands that arrive on `<prefix>/<board>/cmd/<name>`: parsing and validation.

`parse_command` is a pure function: anything it accepts is a well-formed
command, anything else raises `CommandError` with a one-line reason, so a bad
command can be answered and can change nothing. The rules here mirror the
JSON Schemas in `schemas/command-*.json` (a test checks both agree).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

from edge.errors import BadInputError
from edge.publish.topics import COMMAND_NAMES

COMMAND_SCHEMA_VERSION = 1
MAX_COMMAND_BYTES = 4096
MAX_TEXT = 64
BOARD_SIZES = (9, 13, 19)

# SGF RE[] values: winner + margin, resign/time/forfeit, or draw/void/unknown.
_RESULT = re.compile(r"[BW]\+(?:R|Resign|T|Time|F|Forfeit|[0-9]{1,3}(?:\.5)?)|0|Draw|Void|\?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CommandError(BadInputError):
    """A command that is malformed, unknown or out of range."""


@dataclass(frozen=True)
class NewGame:
    size: int = 19
    komi: float | None = None  # None: the daemon's configured default
    handicap: int = 0
    black: str | None = None
    white: str | None = None
    request_id: str | None = None
    name = "new-game"


@dataclass(frozen=True)
class SetPlayers:
    black: str | None = None
    white: str | None = None
    request_id: str | None = None
    name = "set-players"


@dataclass(frozen=True)
class EndGame:
    result: str | None = None  # SGF RE[] value; None: unknown
    request_id: str | None = None
    name = "end-game"


@dataclass(frozen=True)
class Recalibrate:
    request_id: str | None = None
    name = "recalibrate"


Command = Union[NewGame, SetPlayers, EndGame, Recalibrate]


@dataclass(frozen=True)
class CommandResult:
    """What the daemon answers; published on `cmd/result` with the request id."""

    ok: bool
    message: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def success(cls, message: str = "", **detail: Any) -> "CommandResult":
        return cls(True, message, detail)

    @classmethod
    def failure(cls, message: str) -> "CommandResult":
        return cls(False, message)


def parse_command(name: str, payload: bytes) -> Command:
    """Parse the payload of `cmd/<name>`; raise CommandError naming the fault."""
    if name not in COMMAND_NAMES:
        raise CommandError(f"unknown command {_short(name)}; known: {', '.join(COMMAND_NAMES)}")
    if not isinstance(payload, (bytes, bytearray)):
        raise CommandError("command payload is not bytes")
    if len(payload) > MAX_COMMAND_BYTES:
        raise CommandError(f"command payload is {len(payload)} bytes, over the {MAX_COMMAND_BYTES} limit")
    body = _decode(bytes(payload))
    version = body.pop("v", COMMAND_SCHEMA_VERSION)
    if _as_int(version) != COMMAND_SCHEMA_VERSION:
        raise CommandError(f"command schema version {_short(version)} is not supported (use {COMMAND_SCHEMA_VERSION})")
    request_id = _text(body, "id")
    if name == "new-game":
        _only(body, {"size", "komi", "handicap", "black", "white"})
        size = _as_int(body.get("size", 19))
        if size not in BOARD_SIZES:
            raise CommandError(f"size {_short(body['size'])} must be one of {', '.join(map(str, BOARD_SIZES))}")
        handicap = _as_int(body.get("handicap", 0))
        if handicap is None or not (handicap == 0 or 2 <= handicap <= 9):
            raise CommandError(f"handicap {_short(body['handicap'])} must be 0 or 2..9")
        komi = body.get("komi")
        if "komi" in body:
            if isinstance(komi, bool) or not isinstance(komi, (int, float)) or not -100 <= komi <= 100 or (komi * 2) % 1:
                raise CommandError(f"komi {_short(komi)} must be a multiple of 0.5 in -100..100")
            komi = float(komi)
        return NewGame(size, komi, handicap, _text(body, "black"), _text(body, "white"), request_id)
    if name == "set-players":
        _only(body, {"black", "white"})
        if "black" not in body and "white" not in body:
            raise CommandError("set-players needs black, white or both")
        return SetPlayers(_text(body, "black"), _text(body, "white"), request_id)
    if name == "end-game":
        _only(body, {"result"})
        result = _text(body, "result")
        if result is not None and not _RESULT.fullmatch(result):
            raise CommandError(f"result {_short(result)} is not an SGF result such as B+R, W+3.5, 0 or ?")
        return EndGame(result, request_id)
    _only(body, set())
    return Recalibrate(request_id)


def _decode(payload: bytes) -> dict[str, Any]:
    if not payload.strip():
        return {}  # an empty payload means "no options"
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError("command payload is not UTF-8") from None
    try:
        body = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except CommandError:
        raise
    except (ValueError, RecursionError):
        raise CommandError("command payload is not valid JSON") from None
    if not isinstance(body, dict):
        raise CommandError(f"command payload must be a JSON object, not {_json_type(body)}")
    return body


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CommandError(f"field {_short(key)} appears twice")
        out[key] = value
    return out


def _no_constant(token: str) -> Any:
    raise CommandError(f"{token} is not a JSON number")


def _only(body: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed - {"id"})
    if extra:
        raise CommandError(f"unknown field {_short(extra[0])}")


def _text(body: Mapping[str, Any], key: str) -> str | None:
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT or _CONTROL.search(value):
        raise CommandError(f"{key} must be a string of 1-{MAX_TEXT} printable characters")
    return value


def _as_int(value: Any) -> int | None:
    """An integer as JSON Schema sees one (2 and 2.0 alike), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"


def _short(value: Any) -> str:
    """A bounded repr, so a 1 MB field cannot end up in a log line or a reply."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
