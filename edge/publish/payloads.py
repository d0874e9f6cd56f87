"""JSON payloads of every topic, checked before they leave the board.

The daemon hands the publisher plain dicts; these functions check them
against the contract in `docs/mqtt.md` (the same rules as the JSON Schemas in
`schemas/`), stamp the common fields (`v`, `board`, `time`) and serialise.
A dict that breaks the contract raises BadInputError naming the field, so a
bug upstream shows up at its source rather than in every subscriber.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from edge.errors import BadInputError

SCHEMA_VERSION = 1
MAX_SGF_BYTES = 1 << 20
MOVE_KINDS = ("move", "pass", "correction")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROW = re.compile(r"[.BW]+")

Check = Callable[[Any], bool]


def utc_time(now: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2025-03-01T12:00:00.250Z."""
    stamp = datetime.fromtimestamp(now, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def sgf_point(point: tuple[int, int] | list[int]) -> str:
    """SGF coordinate of (row, col), row 0 the top line: column letter first."""
    row, col = point
    return "abcdefghijklmnopqrstuvwxy"[col] + "abcdefghijklmnopqrstuvwxy"[row]


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def state_payload(state: Mapping[str, Any], board_id: str, now: float) -> bytes:
    _check("state", state, _STATE, {"game_id", "size", "rows", "move_number", "to_play", "prisoners", "last_move"})
    size = state["size"]
    _check_rows("state", state["rows"], size)
    last = state["last_move"]
    last_out = None
    if last is not None:
        _check_point("state", "last_move.point", last["point"], size)
        last_out = {
            "color": last["color"],
            "point": None if last["point"] is None else list(last["point"]),
            "sgf": None if last["point"] is None else sgf_point(last["point"]),
        }
    body = {"v": SCHEMA_VERSION, "board": board_id, "time": utc_time(now)}
    body.update({k: state[k] for k in _STATE if k in state})
    body["rows"] = list(state["rows"])
    body["prisoners"] = {"b": state["prisoners"]["b"], "w": state["prisoners"]["w"]}
    body["last_move"] = last_out
    return encode(body)


def move_payload(event: Mapping[str, Any], board_id: str, stream: str, seq: int, now: float) -> bytes:
    _check("move", event, _MOVE, {"game_id", "size", "move_number", "kind"})
    kind, size = event["kind"], event["size"]
    needs = {"move": {"color", "point"}, "pass": {"color"}, "correction": {"rows"}}[kind]
    allowed = needs | {"captured", "inferred_order"} if kind == "move" else needs
    missing = sorted(needs - event.keys())
    if missing:
        raise BadInputError(f"move payload: a {kind} event needs {', '.join(missing)}")
    extra = sorted(event.keys() - allowed - {"game_id", "size", "move_number", "kind"})
    if extra:
        raise BadInputError(f"move payload: a {kind} event does not take {', '.join(extra)}")
    body: dict[str, Any] = {
        "v": SCHEMA_VERSION, "board": board_id, "stream": stream, "seq": seq, "time": utc_time(now),
        "game_id": event["game_id"], "size": size, "move_number": event["move_number"], "kind": kind,
    }
    if kind in ("move", "pass"):
        body["color"] = event["color"]
    if kind == "move":
        _check_point("move", "point", event["point"], size)
        if event["point"] is None:
            raise BadInputError("move payload: a move event needs a point (use kind 'pass' for a pass)")
        body["point"] = list(event["point"])
        body["sgf"] = sgf_point(event["point"])
        captured = event.get("captured", [])
        for p in captured:
            _check_point("move", "captured", p, size)
        body["captured"] = [list(p) for p in captured]
        if event.get("inferred_order"):
            body["inferred_order"] = True
    if kind == "correction":
        _check_rows("move", event["rows"], size)
        body["rows"] = list(event["rows"])
    return encode(body)


def sgf_payload(sgf: bytes, game_id: str | None, board_id: str, now: float) -> bytes:
    if not isinstance(sgf, (bytes, bytearray)) or len(sgf) > MAX_SGF_BYTES:
        raise BadInputError(f"sgf payload must be bytes of at most {MAX_SGF_BYTES}")
    try:
        text = bytes(sgf).decode("utf-8")
    except UnicodeDecodeError:
        raise BadInputError("sgf payload is not UTF-8") from None
    if not text.lstrip().startswith("(;"):
        raise BadInputError("sgf payload does not start with '(;'")
    if game_id is not None and not _text(64)(game_id):
        raise BadInputError("sgf payload: game_id must be a string of 1-64 printable characters")
    return encode({"v": SCHEMA_VERSION, "board": board_id, "time": utc_time(now), "game_id": game_id, "sgf": text})


def status_payload(status: Mapping[str, Any], board_id: str, now: float, version: str) -> bytes:
    required = {"fps", "detector_latency_ms", "delegate", "calibration_error_px", "camera", "uptime_s"}
    _check("status", status, _STATUS, required)
    body = {"v": SCHEMA_VERSION, "board": board_id, "time": utc_time(now), "version": version}
    body.update({k: status[k] for k in _STATUS if k in status})
    return encode(body)


def result_payload(
    command: str, request_id: str | None, ok: bool, message: str,
    detail: Mapping[str, Any], board_id: str, now: float,
) -> bytes:
    body = {
        "v": SCHEMA_VERSION, "board": board_id, "time": utc_time(now),
        "command": _CONTROL.sub("?", command)[:64] or "?",
        "id": request_id, "ok": ok, "message": _CONTROL.sub(" ", message)[:300],
        # The daemon's detail is free-form; anything json cannot write is shown as text.
        "detail": json.loads(json.dumps(dict(detail), default=str, allow_nan=False)) if detail else {},
    }
    return encode(body)


def _check(kind: str, body: Any, spec: Mapping[str, tuple[Check, str]], required: set[str]) -> None:
    if not isinstance(body, Mapping):
        raise BadInputError(f"{kind} payload must be a mapping, not {type(body).__name__}")
    missing = sorted(required - body.keys())
    if missing:
        raise BadInputError(f"{kind} payload is missing {', '.join(missing)}")
    unknown = sorted(str(k) for k in body.keys() - spec.keys())
    if unknown:
        raise BadInputError(f"{kind} payload has unknown field(s) {', '.join(unknown)}")
    for key, value in body.items():
        check, what = spec[key]
        if not check(value):
            raise BadInputError(f"{kind} payload: {key} must be {what}, got {_short(value)}")


def _check_rows(kind: str, rows: Any, size: int) -> None:
    if len(rows) != size or any(len(r) != size for r in rows):
        raise BadInputError(f"{kind} payload: rows must be {size} strings of {size} characters")


def _check_point(kind: str, key: str, point: Any, size: int) -> None:
    if point is not None and not (0 <= point[0] < size and 0 <= point[1] < size):
        raise BadInputError(f"{kind} payload: {key} {list(point)} is off a {size}x{size} board")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _nonneg_int(v: Any) -> bool:
    return _is_int(v) and v >= 0


def _nonneg_num(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and v >= 0


def _text(limit: int) -> Check:
    return lambda v: isinstance(v, str) and 1 <= len(v) <= limit and not _CONTROL.search(v)


def _nullable(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _color(v: Any) -> bool:
    return v in ("b", "w") and isinstance(v, str)


def _point(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(x) and 0 <= x < 25 for x in v)


def _rows(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(isinstance(r, str) and _ROW.fullmatch(r) for r in v)


def _prisoners(v: Any) -> bool:
    return isinstance(v, Mapping) and set(v) == {"b", "w"} and all(_nonneg_int(x) for x in v.values())


def _last_move(v: Any) -> bool:
    return v is None or (
        isinstance(v, Mapping) and set(v) == {"color", "point"}
        and _color(v["color"]) and (v["point"] is None or _point(v["point"]))
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_SIZE: tuple[Check, str] = (lambda v: _is_int(v) and 2 <= v <= 25, "an integer in 2..25")
_STATE: dict[str, tuple[Check, str]] = {
    "game_id": (_text(64), "a string of 1-64 printable characters"),
    "size": _SIZE,
    "rows": (_rows, "a list of strings of '.', 'B', 'W'"),
    "move_number": (_nonneg_int, "a non-negative integer"),
    "to_play": (_color, "'b' or 'w'"),
    "prisoners": (_prisoners, "{'b': int, 'w': int}, stones captured by each colour"),
    "last_move": (_last_move, "null or {'color': 'b'|'w', 'point': [row, col] or null}"),
    "black": (_nullable(_text(64)), "null or a player name"),
    "white": (_nullable(_text(64)), "null or a player name"),
    "komi": (_nullable(lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v)), "null or a number"),
}
_MOVE: dict[str, tuple[Check, str]] = {
    "game_id": _STATE["game_id"],
    "size": _SIZE,
    "move_number": (_nonneg_int, "a non-negative integer"),
    "kind": (lambda v: v in MOVE_KINDS and isinstance(v, str), " or ".join(MOVE_KINDS)),
    "color": (_color, "'b' or 'w'"),
    "point": (_nullable(_point), "[row, col]"),
    "captured": (lambda v: isinstance(v, (list, tuple)) and all(_point(p) for p in v), "a list of [row, col]"),
    "inferred_order": (lambda v: isinstance(v, bool), "true or false"),
    "rows": _STATE["rows"],
}
_STATUS: dict[str, tuple[Check, str]] = {
    "fps": (_nonneg_num, "a non-negative number"),
    "detector_latency_ms": (_nullable(_nonneg_num), "null or a non-negative number"),
    "delegate": (_text(32), "a delegate name such as 'xnnpack' or 'edgetpu'"),
    "calibration_error_px": (_nullable(_nonneg_num), "null or a non-negative number"),
    "camera": (_text(32), "a camera state such as 'ok' or 'lost'"),
    "uptime_s": (_nonneg_num, "a non-negative number"),
}
