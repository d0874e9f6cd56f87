"""Malformed command payloads for fuzzing `parse_command` and the real broker.

Every generated (name, payload) pair is malformed by construction: random
bytes, non-objects, one bad field in an otherwise good command, unknown
fields, oversized or deeply nested documents, duplicate keys, bad UTF-8,
unknown command names, missing required fields, truncated JSON.
"""

from __future__ import annotations

import json
import random
from typing import Any, Iterator

from edge.publish.commands import MAX_COMMAND_BYTES
from edge.publish.topics import COMMAND_NAMES

_FIELDS = {
    "new-game": ["size", "komi", "handicap", "black", "white", "id", "v"],
    "set-players": ["black", "white", "id", "v"],
    "end-game": ["result", "id", "v"],
    "recalibrate": ["id", "v"],
}
_BASE = {
    "new-game": {"size": 19, "komi": 6.5},
    "set-players": {"black": "A", "white": "B"},
    "end-game": {"result": "W+R"},
    "recalibrate": {},
}
_TEXT_BAD: list[Any] = [19, None, True, [], {}, "", "x" * 65, "a\nb", "tab\there", "\x7f", "\u0000", 1.5]
# Raw JSON fragments are spliced in as text: NaN, Infinity and 1e400 cannot be made by json.dumps.
_BAD: dict[str, list[Any]] = {
    "size": ["19", 19.5, True, None, [], {}, -1, 0, 8, 21, 10**30, ("raw", "1e400"), ("raw", "NaN")],
    "komi": ["6.5", True, None, [], {}, 0.3, 6.25, 101, -100.5, ("raw", "NaN"), ("raw", "-Infinity"), ("raw", "1e400")],
    "handicap": [1, 10, -2, 2.5, "2", True, None, [], 1e300],
    "black": _TEXT_BAD, "white": _TEXT_BAD, "id": _TEXT_BAD,
    "result": ["B+", "X+R", "b+r", "B+R\n", "W+1000", "W+3.25", "", 5, None, "B+R ", " 0"],
    "v": [2, 0, "1", True, None, 1.5, ("raw", "Infinity")],
}


def _with_field(body: dict[str, Any], key: str, value: Any) -> bytes:
    if isinstance(value, tuple):
        body = dict(body, **{key: "@@RAW@@"})
        return json.dumps(body).replace('"@@RAW@@"', value[1]).encode()
    return json.dumps(dict(body, **{key: value})).encode()


def fuzzed_bad_commands(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """`count` (name, payload) pairs, every one of them malformed."""
    rng = random.Random(seed)
    kinds = ["random-bytes", "not-object", "bad-field", "unknown-field", "huge", "deep",
             "duplicate", "bad-utf8", "unknown-name", "missing", "truncated"]
    made = 0
    while made < count:
        kind = kinds[made % len(kinds)]
        name = rng.choice(COMMAND_NAMES)
        base = dict(_BASE[name])
        if kind == "random-bytes":
            payload = rng.randbytes(rng.randint(1, 300))
            if payload.strip() == b"" or strict_json(payload) is not None:
                continue  # astronomically rare, but an empty or valid payload is not malformed
        elif kind == "not-object":
            payload = json.dumps(rng.choice([0, -1.5, "new-game", [], [1, 2], None, True, False, "", [{}]])).encode()
        elif kind == "bad-field":
            key = rng.choice(_FIELDS[name])
            payload = _with_field(base, key, rng.choice(_BAD[key]))
        elif kind == "unknown-field":
            key = rng.choice(["foo", "Size", "size ", "", "komi\u0000", "board", "colour", "rows", "__proto__"])
            if name != "new-game" and key in ("Size",):
                key = "size"
            payload = json.dumps(dict(base, **{key: rng.choice([1, "x", None, [], {}])})).encode()
        elif kind == "huge":
            key = rng.choice(_FIELDS[name][:-1] or ["id"])
            payload = json.dumps(dict(base, **{key: "x" * rng.randint(MAX_COMMAND_BYTES, 20_000)})).encode()
        elif kind == "deep":
            depth = rng.randint(1000, 2000)
            payload = ("[" * depth + "]" * depth).encode() if rng.random() < 0.5 else (
                '{"id":' + "[" * depth + "]" * depth + "}").encode()
        elif kind == "duplicate":
            key = rng.choice(_FIELDS[name])
            good = {"size": 9, "komi": 0.5, "handicap": 2, "black": "A", "white": "B", "id": "i",
                    "v": 1, "result": "0"}[key]
            payload = (json.dumps(dict(base, **{key: good}))[:-1] + f', "{key}": {json.dumps(good)}}}').encode()
            if not base:
                payload = payload.replace(b"{,", b"{")
        elif kind == "bad-utf8":
            payload = json.dumps(dict(base, id="@@")).encode().replace(b"@@", rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]))
        elif kind == "unknown-name":
            name = rng.choice(["reboot", "new_game", "NEW-GAME", "", "new-game ", "cmd", "result", "new-game/x", "\u00e9"])
            payload = b"{}"
        elif kind == "missing":
            if name != "set-players":
                continue
            payload = rng.choice([b"", b"{}", b'{"id": "x"}', b'{"v": 1}'])
        else:  # truncated JSON
            text = json.dumps(dict(base, id="abc"))
            payload = text[: rng.randint(1, len(text) - 1)].encode()
            if not payload.strip():
                continue
        made += 1
        yield name, payload


def strict_json(payload: bytes) -> Any:
    """The decoded document if the payload is RFC 8259 JSON with unique keys, else None."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_constant(token: str) -> Any:
        raise ValueError(token)

    try:
        return json.loads(payload.decode("utf-8"), object_pairs_hook=unique, parse_constant=no_constant)
    except (ValueError, RecursionError):
        return None
