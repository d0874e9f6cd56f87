"""Command parsing: valid commands, 10,000 fuzzed bad ones, and agreement with the JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.command_fuzz import fuzzed_bad_commands, strict_json

from edge.errors import BadInputError
from edge.publish.commands import (
    MAX_COMMAND_BYTES,
    CommandError,
    EndGame,
    NewGame,
    Recalibrate,
    SetPlayers,
    parse_command,
)
from edge.publish.topics import COMMAND_NAMES

SCHEMAS = Path(__file__).resolve().parents[1] / "edge" / "publish" / "schemas"

VALID: list[tuple[str, bytes, Any]] = [
    ("new-game", b"", NewGame()),
    ("new-game", b"{}", NewGame()),
    ("new-game", b'{"size": 9, "komi": 5.5, "handicap": 0}', NewGame(9, 5.5, 0)),
    ("new-game", b'{"size": 13.0, "komi": -3, "handicap": 2}', NewGame(13, -3.0, 2)),
    ("new-game", b'{"v": 1, "id": "r-1", "black": "Cho Chikun", "white": "\xe8\x97\xa4\xe6\xb2\xa2"}',
     NewGame(black="Cho Chikun", white="\u85e4\u6ca2", request_id="r-1")),
    ("set-players", b'{"black": "A"}', SetPlayers(black="A")),
    ("set-players", b'{"white": "B", "id": "x"}', SetPlayers(white="B", request_id="x")),
    ("end-game", b"", EndGame()),
    ("end-game", b'{"result": "B+R"}', EndGame("B+R")),
    ("end-game", b'{"result": "W+3.5"}', EndGame("W+3.5")),
    ("end-game", b'{"result": "0"}', EndGame("0")),
    ("end-game", b'{"result": "?", "v": 1}', EndGame("?")),
    ("recalibrate", b"  \n", Recalibrate()),
    ("recalibrate", b'{"id": "cal"}', Recalibrate("cal")),
]


@pytest.mark.parametrize(("name", "payload", "expected"), VALID)
def test_valid_commands_parse(name: str, payload: bytes, expected: Any) -> None:
    assert parse_command(name, payload) == expected


@pytest.mark.parametrize(
    ("name", "payload", "fragment"),
    [
        ("reboot", b"{}", "unknown command"),
        ("new-game", b'{"size": 8}', "size 8"),
        ("new-game", b'{"handicap": 1}', "handicap"),
        ("new-game", b'{"komi": 6.3}', "komi"),
        ("new-game", b'{"komi": NaN}', "NaN"),
        ("new-game", b'{"size": 9, "size": 13}', "twice"),
        ("new-game", b'{"colour": "b"}', "unknown field 'colour'"),
        ("set-players", b"{}", "needs black, white"),
        ("end-game", b'{"result": "B+R\\n"}', "result"),
        ("recalibrate", b"[]", "JSON object"),
        ("recalibrate", b'{"v": 2}', "version"),
        ("recalibrate", b"\xff\xfe", "UTF-8"),
        ("recalibrate", b"{" * 3000, "not valid JSON"),
        ("recalibrate", b" " * (MAX_COMMAND_BYTES + 1), "limit"),
    ],
)
def test_bad_commands_name_the_fault(name: str, payload: bytes, fragment: str) -> None:
    with pytest.raises(CommandError, match=None) as info:
        parse_command(name, payload)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200
    assert isinstance(info.value, BadInputError)  # exit code 2 if it ever reaches the CLI


def _validators() -> dict[str, Any]:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks the shipped schemas")
    out = {}
    for name in COMMAND_NAMES:
        schema = json.loads((SCHEMAS / f"command-{name}.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        out[name] = jsonschema.Draft202012Validator(schema)
    return out


def test_ten_thousand_malformed_commands_are_rejected_cleanly() -> None:
    kinds_seen = set()
    for name, payload in fuzzed_bad_commands(10_000, seed=20250301):
        try:
            parse_command(name, payload)
        except CommandError as exc:
            message = str(exc)
            assert message and "\n" not in message and len(message) < 200, message
            kinds_seen.add(message.split(" ")[0])
        else:
            pytest.fail(f"accepted a malformed command {name!r}: {payload[:80]!r}")
    assert len(kinds_seen) > 8  # the generator really covers many kinds of fault


def test_schemas_agree_with_the_parser() -> None:
    validators = _validators()
    for name, payload, _ in VALID:
        document = strict_json(payload) if payload.strip() else {}
        assert validators[name].is_valid(document), (name, payload)
    checked = 0
    for name, payload in fuzzed_bad_commands(3000, seed=7):
        document = strict_json(payload)
        if name not in validators or document is None or len(payload) > MAX_COMMAND_BYTES:
            continue  # faults a JSON Schema cannot express: not JSON, too big, unknown topic
        assert not validators[name].is_valid(document), f"schema accepts {name} {payload[:100]!r}"
        checked += 1
    assert checked > 900
