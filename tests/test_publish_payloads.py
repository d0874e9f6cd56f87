"""Payload building against the shipped JSON Schemas, topics, and the MQTT configuration."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from edge.errors import BadInputError, ConfigError
from edge.config import parse_config
from edge.config.load import mqtt_config
from edge.publish import MqttConfig, Publisher, Topics, load_password
from edge.publish.commands import CommandResult
from edge.publish.payloads import (
    move_payload,
    result_payload,
    sgf_payload,
    sgf_point,
    state_payload,
    status_payload,
    utc_time,
)

SCHEMAS = Path(__file__).resolve().parents[1] / "edge" / "publish" / "schemas"
NOW = 1_740_830_400.25  # 2025-03-01T12:00:00.250Z
STREAM = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def schema() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks payloads against the shipped schemas")

    def validate(name: str, payload: bytes) -> dict[str, Any]:
        document = json.loads(payload)
        jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{name}.json").read_text())).validate(document)
        return document

    return validate


def test_every_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks the shipped schemas")
    names = sorted(p.stem for p in SCHEMAS.glob("*.json"))
    assert names == sorted(["available", "state", "move", "sgf", "status", "command-result",
                            "command-new-game", "command-set-players", "command-end-game", "command-recalibrate"])
    for name in names:
        document = json.loads((SCHEMAS / f"{name}.json").read_text())
        jsonschema.Draft202012Validator.check_schema(document)
        assert document["$schema"].endswith("2020-12/schema")
    available = json.loads((SCHEMAS / "available.json").read_text())
    assert available["enum"] == ["online", "offline"]


def _state(**changes: Any) -> dict[str, Any]:
    rows = ["." * 9 for _ in range(9)]
    rows[2] = "......B.."
    state = {"game_id": "g-1", "size": 9, "rows": rows, "move_number": 1, "to_play": "w",
             "prisoners": {"b": 0, "w": 0}, "last_move": {"color": "b", "point": (2, 6)}}
    state.update(changes)
    return state


def test_state_payload_is_stamped_and_matches_its_schema(schema: Any) -> None:
    doc = schema("state", state_payload(_state(black="Honinbo", white=None, komi=6.5), "t1", NOW))
    assert doc["v"] == 1 and doc["board"] == "t1" and doc["time"] == "2025-03-01T12:00:00.250Z"
    assert doc["last_move"] == {"color": "b", "point": [2, 6], "sgf": "gc"}
    schema("state", state_payload(_state(last_move=None, move_number=0), "t1", NOW))
    schema("state", state_payload(_state(last_move={"color": "w", "point": None}), "t1", NOW))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"rows": ["." * 9] * 8}, "rows must be 9 strings"),
        ({"rows": ["." * 9] * 8 + ["....X...."]}, "rows must be"),
        ({"move_number": True}, "move_number"),
        ({"move_number": -1}, "move_number"),
        ({"to_play": "B"}, "to_play"),
        ({"prisoners": {"b": 1}}, "prisoners"),
        ({"last_move": {"color": "b", "point": [9, 0]}}, "off a 9x9 board"),
        ({"komi": math.nan}, "komi"),
        ({"captures": 3}, "unknown field(s) captures"),
        ({"game_id": "a\nb"}, "game_id"),
    ],
)
def test_bad_state_names_the_field(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadInputError) as info:
        state_payload(_state(**changes), "t1", NOW)
    assert fragment in str(info.value)


def test_missing_state_fields_are_listed() -> None:
    state = _state()
    del state["to_play"], state["rows"]
    with pytest.raises(BadInputError, match="missing rows, to_play"):
        state_payload(state, "t1", NOW)


def test_move_pass_and_correction_events_match_the_schema(schema: Any) -> None:
    common = {"game_id": "g-1", "size": 19, "move_number": 12}
    doc = schema("move", move_payload({**common, "kind": "move", "color": "b", "point": [3, 15],
                                       "captured": [[3, 16]]}, "t1", STREAM, 7, NOW))
    assert (doc["seq"], doc["stream"], doc["sgf"], doc["captured"]) == (7, STREAM, "pd", [[3, 16]])
    assert "inferred_order" not in doc
    doc = schema("move", move_payload({**common, "kind": "move", "color": "w", "point": [3, 3], "captured": [],
                                       "inferred_order": True}, "t1", STREAM, 7, NOW))
    assert doc["inferred_order"] is True
    doc = schema("move", move_payload({**common, "kind": "pass", "color": "w"}, "t1", STREAM, 8, NOW))
    assert "point" not in doc
    rows = ["." * 19] * 19
    doc = schema("move", move_payload({**common, "kind": "correction", "rows": rows}, "t1", STREAM, 9, NOW))
    assert doc["rows"] == rows


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        ({"kind": "pass", "color": "w", "point": [1, 1]}, "does not take point"),
        ({"kind": "move", "color": "w"}, "needs point"),
        ({"kind": "move", "color": "w", "point": None}, "use kind 'pass'"),
        ({"kind": "move", "color": "w", "point": [19, 0]}, "off a 19x19 board"),
        ({"kind": "correction"}, "needs rows"),
        ({"kind": "resign", "color": "w"}, "kind"),
        ({"kind": "move", "color": "x", "point": [1, 1]}, "color"),
        ({"kind": "move", "color": "b", "point": [1, 1], "inferred_order": "yes"}, "inferred_order"),
        ({"kind": "pass", "color": "b", "inferred_order": True}, "does not take inferred_order"),
    ],
)
def test_bad_move_events_name_the_fault(event: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadInputError) as info:
        move_payload({"game_id": "g", "size": 19, "move_number": 1, **event}, "t1", STREAM, 1, NOW)
    assert fragment in str(info.value)


def test_sgf_status_and_result_payloads(schema: Any) -> None:
    doc = schema("sgf", sgf_payload("(;GM[1]FF[4]CA[UTF-8]PB[藤沢])".encode(), "g-1", "t1", NOW))
    assert doc["sgf"].endswith("PB[藤沢])")
    for bad in (b"\xff(;", b"GM[1]", b"(;" + b"x" * (1 << 20)):
        with pytest.raises(BadInputError):
            sgf_payload(bad, None, "t1", NOW)
    status = {"fps": 5, "detector_latency_ms": 12.5, "delegate": "xnnpack", "calibration_error_px": None,
              "camera": "ok", "uptime_s": 3600}
    assert schema("status", status_payload(status, "t1", NOW, "0.1.0"))["version"] == "0.1.0"
    with pytest.raises(BadInputError, match="missing camera"):
        status_payload({k: v for k, v in status.items() if k != "camera"}, "t1", NOW, "0.1.0")
    doc = schema("command-result", result_payload("new\x00game", None, False, "bad\nthing", {"at": Path("/x")}, "t1", NOW))
    assert (doc["command"], doc["message"], doc["detail"]) == ("new?game", "bad thing", {"at": "/x"})


def test_time_and_sgf_coordinates() -> None:
    assert utc_time(0) == "1970-01-01T00:00:00.000Z"
    assert sgf_point((0, 0)) == "aa" and sgf_point((3, 15)) == "pd" and sgf_point([18, 18]) == "ss"


def test_topics_follow_the_prefix_and_board() -> None:
    topics = Topics("club/goban", "table-3")
    assert topics.move == "club/goban/table-3/move"
    assert topics.command_filter == "club/goban/table-3/cmd/+"
    assert topics.command_name("club/goban/table-3/cmd/end-game") == "end-game"
    assert topics.command_name("club/goban/table-3/cmd/a/b") is None
    assert topics.command_name("club/goban/table-4/cmd/end-game") is None
    for prefix, board in (("goban", "a/b"), ("goban", "#"), ("goban/", "t"), ("$SYS", "t"), ("goban", "")):
        with pytest.raises(ConfigError):
            Topics(prefix, board)


# -- configuration ---------------------------------------------------------


def test_password_comes_from_the_credential_first_then_the_environment(tmp_path: Path) -> None:
    (tmp_path / "mqtt-password").write_text("from-credential\n")
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path), "GOBAN_MQTT_PASSWORD": "from-env"}
    assert load_password(env) == "from-credential"
    assert load_password({"GOBAN_MQTT_PASSWORD": "from-env"}) == "from-env"
    assert load_password({"CREDENTIALS_DIRECTORY": str(tmp_path / "none")}) is None
    (tmp_path / "mqtt-password").write_text("")
    assert load_password(env) is None  # an empty credential: no password


def test_config_file_mqtt_table_checks_every_setting(tmp_path: Path) -> None:
    """The [mqtt] table of the configuration file, as the daemon turns it into MqttConfig."""
    env = {"GOBAN_MQTT_PASSWORD": "pw-1234567"}
    config = mqtt_config(parse_config({
        "board": {"id": "t1"},
        "mqtt": {"host": "broker.lan", "port": 8883, "username": "t1", "tls": True,
                 "outbox_path": str(tmp_path / "o.sqlite3"), "reconnect_min_delay_s": 1}}), env)
    assert config.password == "pw-1234567" and "pw-1234567" not in repr(config)
    assert config.effective_client_id == "goban-edge-t1" and config.uses_tls
    assert config.reconnect_min_delay_s == 1.0
    for table, fragment in (
        ({"password": "x"}, "mqtt.password: unknown key"),
        ({"hots": "x"}, "mqtt.hots: unknown key"),
        ({"port": "1883"}, "mqtt.port"),
        ({"port": 70000}, "mqtt.port"),
        ({"qos": 0}, "mqtt.qos"),
        ({"tls_cert_file": "/c.pem"}, "together"),
        ({"keepalive_s": 0}, "mqtt.keepalive_s"),
        ({"reconnect_min_delay_s": 9, "reconnect_max_delay_s": 2}, "larger"),
        ({"ha_discovery": "yes"}, "mqtt.ha_discovery"),
    ):
        with pytest.raises(ConfigError) as info:
            parse_config({"mqtt": table})
        assert fragment in str(info.value)
    with pytest.raises(ConfigError, match="board.id"):
        parse_config({"board": {"id": "a b"}})



def test_a_missing_tls_file_stops_start_before_any_network(tmp_path: Path) -> None:
    config = MqttConfig(board_id="t1", tls_ca_file=tmp_path / "absent-ca.crt", outbox_path=tmp_path / "o.sqlite3")
    publisher = Publisher(config, lambda command: CommandResult.success())
    with pytest.raises(ConfigError, match="tls_ca_file .*absent-ca.crt"):
        publisher.start()
    with pytest.raises(RuntimeError, match="start"):
        publisher.publish_move({})
