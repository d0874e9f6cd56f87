"""The shipped club broker configuration, run by a real mosquitto.

Only the file paths and port numbers of `systemd/mosquitto/goban.conf` are
rewritten (to test certificates made here and free ports); the ACL files are
used as shipped. Covers TLS, user/password (a wrong one is refused), the
per-board ACL, the read-only websockets listener, and that no password ever
reaches a log line.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from support.mosquitto import (  # noqa: F401  (mosquitto is a fixture)
    MqttRecorder,
    free_port,
    make_password_file,
    make_test_pki,
    mosquitto,
)

from edge.config import parse_config
from edge.config.load import mqtt_config
from edge.publish import CommandResult, NewGame, Publisher

CLUB = Path(__file__).resolve().parents[1] / "systemd" / "mosquitto"
BOARD_SECRET = "s3cret-board-Pw!9"
CONTROLLER_SECRET = "desk-Pw-4711"
WRONG_SECRET = "wr0ng-guess-Pw-0815"


@pytest.fixture
def club(mosquitto, tmp_path: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    pki = make_test_pki(tmp_path / "pki")
    passwd = make_password_file(
        tmp_path / "goban.passwd", {"t1": BOARD_SECRET, "controller": CONTROLLER_SECRET}
    )
    tls_port, ws_port = free_port(), free_port()
    text = (CLUB / "goban.conf").read_text()
    text = text.replace("listener 8883", f"listener {tls_port} 127.0.0.1")
    text = text.replace("listener 9001", f"listener {ws_port}")
    for shipped, local in {
        "/etc/mosquitto/certs/server.crt": pki["server.crt"],
        "/etc/mosquitto/certs/server.key": pki["server.key"],
        "/etc/mosquitto/certs/ca.crt": pki["ca.crt"],
        "/etc/mosquitto/goban.passwd": passwd,
        "/etc/mosquitto/goban-overlay.acl": CLUB / "goban-overlay.acl",
        "/etc/mosquitto/goban.acl": CLUB / "goban.acl",
    }.items():
        assert shipped in text
        text = text.replace(shipped, str(local))
    settings = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert not any("/etc/" in line for line in settings)
    broker = mosquitto(config=text, port=tls_port, extra_ports=(ws_port,))
    return broker, pki, ws_port, tmp_path


def _tls(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def _board(port: int, tmp: Path, pki: dict[str, Path], secret: str, board: str = "t1", **extra: object) -> tuple[Publisher, list]:
    creds = tmp / f"creds-{board}-{len(secret)}"
    creds.mkdir()
    (creds / "mqtt-password").write_text(secret + "\n")
    table = {
        "host": "127.0.0.1", "port": port, "username": "t1",
        "tls_ca_file": str(pki["ca.crt"]), "outbox_path": str(tmp / f"{board}-{len(secret)}.sqlite3"),
        "reconnect_min_delay_s": 0.05, "reconnect_max_delay_s": 0.3, **extra,
    }
    # The same path as the daemon: the configuration file's tables, the password from the credential.
    config = mqtt_config(parse_config({"board": {"id": board}, "mqtt": table}),
                         {"CREDENTIALS_DIRECTORY": str(creds)})
    assert config.password == secret and secret not in repr(config)
    calls: list = []

    def handle(command: object) -> CommandResult:
        calls.append(command)
        return CommandResult.success("started")

    publisher = Publisher(config, handle)
    publisher.start()
    return publisher, calls


def _wait(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


STATE = {
    "game_id": "g1", "size": 9, "rows": ["." * 9] * 9, "move_number": 0, "to_play": "b",
    "prisoners": {"b": 0, "w": 0}, "last_move": None,
}


def test_club_broker_tls_passwords_acl_and_overlay(club, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    broker, pki, ws_port, tmp = club
    caplog.set_level(logging.DEBUG)  # paho's own debug lines included
    desk = MqttRecorder(broker.port, ["goban/#"], username="controller", password=CONTROLLER_SECRET,
                        tls_context=_tls(pki["ca.crt"]), probe_topic="goban/probe/cmd/recalibrate")
    desk.wait_subscribed()

    # A board with the right password over TLS, with a client certificate too.
    board, calls = _board(broker.port, tmp, pki, BOARD_SECRET,
                          tls_cert_file=str(pki["client.crt"]), tls_key_file=str(pki["client.key"]))
    assert _wait(lambda: board.connected), board.last_error
    board.publish_state(STATE)
    seq = board.publish_move({"game_id": "g1", "size": 9, "move_number": 1, "kind": "move", "color": "b", "point": [2, 6]})
    assert board.flush(10)
    assert desk.wait(lambda r: bool(r.on("goban/t1/move")) and bool(r.on("goban/t1/state")))
    assert json.loads(desk.on("goban/t1/move")[0].payload)["seq"] == seq

    # The desk may send commands; the board answers.
    desk.client.publish("goban/t1/cmd/new-game", b'{"size": 9, "id": "desk-1"}', qos=1)
    assert desk.wait(lambda r: bool(r.on("goban/t1/cmd/result")))
    assert json.loads(desk.on("goban/t1/cmd/result")[0].payload)["ok"] is True
    assert calls == [NewGame(size=9, request_id="desk-1")]

    # The ACL: logged in as t1, nothing can be written under another board.
    intruder = MqttRecorder(broker.port, [], username="t1", password=BOARD_SECRET, tls_context=_tls(pki["ca.crt"]))
    intruder.wait_subscribed(probe=False)
    intruder.client.publish("goban/t2/state", b"forged", qos=1)
    intruder.client.publish("goban/t1/status", b"marker", qos=1)
    assert desk.wait(lambda r: bool(r.on("goban/t1/status")))
    assert desk.on("goban/t2/state") == []
    intruder.close()
    # ...and a board configured with another board's id publishes into the void.
    impostor, _ = _board(broker.port, tmp, pki, BOARD_SECRET, board="t2")
    assert _wait(lambda: impostor.connected), impostor.last_error
    impostor.publish_state(STATE)
    impostor.publish_move({"game_id": "g1", "size": 9, "move_number": 1, "kind": "pass", "color": "b"})
    assert impostor.flush(5)  # refused moves are dropped, not retried forever
    intruder2 = MqttRecorder(broker.port, [], username="t1", password=BOARD_SECRET, tls_context=_tls(pki["ca.crt"]))
    intruder2.wait_subscribed(probe=False)
    intruder2.client.publish("goban/t1/status", b"marker-2", qos=1)
    assert desk.wait(lambda r: len(r.on("goban/t1/status")) == 2)
    assert [m.topic for m in desk.messages if m.topic.startswith("goban/t2/")] == []
    assert "broker refused move event 1" in caplog.text
    intruder2.close()
    impostor.stop(0.5)

    # A wrong password is refused.
    wrong, _ = _board(broker.port, tmp, pki, WRONG_SECRET)
    assert _wait(lambda: wrong.last_error is not None, 5)
    time.sleep(0.3)
    assert not wrong.connected
    assert "refused" in (wrong.last_error or "")
    wrong.stop(0.5)

    # Overlays: anonymous over websockets, may read, may not send commands.
    overlay = MqttRecorder(ws_port, ["goban/#"], transport="websockets")
    overlay.wait_subscribed(probe=False)
    assert overlay.wait(lambda r: any(m.retain for m in r.on("goban/t1/state")))
    before = len(desk.on("goban/t1/cmd/result"))
    overlay.client.publish("goban/t1/cmd/end-game", b"{}", qos=1)
    desk.client.publish("goban/t1/cmd/set-players", b'{"black": "A", "id": "desk-2"}', qos=1)
    assert desk.wait(lambda r: len(r.on("goban/t1/cmd/result")) == before + 1)
    time.sleep(0.2)
    results = [json.loads(m.payload) for m in desk.on("goban/t1/cmd/result")]
    assert [r["command"] for r in results] == ["new-game", "set-players"]
    overlay.close()

    board.stop(2)
    desk.close()
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "Sending CONNECT" in logged  # paho's debug logging really was captured
    for secret in (BOARD_SECRET, WRONG_SECRET, CONTROLLER_SECRET):
        assert secret not in logged


def test_overlay_firewall_rule_parses_and_guards_the_websockets_port() -> None:
    conf = (CLUB / "goban.conf").read_text()
    ws_port = re.search(r"^listener (\d+)\nprotocol websockets", conf, re.M)
    assert ws_port, "goban.conf has no websockets listener"
    rules = (CLUB / "goban-overlay.nft").read_text()
    assert f"tcp dport {ws_port.group(1)} drop" in rules
    nft = shutil.which("nft")
    if nft is None:
        pytest.skip("nft is not installed (package nftables): rule syntax not checked")
    result = subprocess.run([nft, "-c", "-f", str(CLUB / "goban-overlay.nft")], capture_output=True, text=True)
    if result.returncode != 0 and "Operation not permitted" in result.stderr:
        pytest.skip("nft -c needs CAP_NET_ADMIN here")
    assert result.returncode == 0, result.stderr
