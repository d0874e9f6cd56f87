"""The shipped board-to-hub bridge (`systemd/mosquitto/board-bridge.conf`), run by two real mosquittos.

goban-edge publishes to the board's local broker, which bridges to the hub.
Only the hub address and the local port are rewritten, and the TLS and
password lines dropped (the test hub is plain and anonymous; TLS, passwords
and the hub ACL are covered by test_publish_club_config). Checked: moves
reach a hub subscriber in order across a hub outage, retained state arrives
retained, commands come in and their results go out, and the hub learns
through the bridge's last will that a Pi went away.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from support.mosquitto import MqttRecorder, mosquitto  # noqa: F401  (mosquitto is a fixture)

from edge.publish import CommandResult, MqttConfig, Publisher

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "systemd" / "mosquitto" / "board-bridge.conf"
DROPPED = ("remote_username", "remote_password", "bridge_cafile", "bridge_tls_version")


def _local_config(hub_port: int) -> str:
    text = SHIPPED.read_text()
    assert "listener 1883 127.0.0.1" in text and "address hub.club.lan:8883" in text
    text = text.replace("listener 1883 127.0.0.1", "listener {port} 127.0.0.1")
    text = text.replace("address hub.club.lan:8883", f"address 127.0.0.1:{hub_port}")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(DROPPED))
    # Debian's main mosquitto.conf provides these on a Pi.
    return f"persistence true\npersistence_location {{workdir}}/data/\n{text}\n"


def _move(n: int) -> dict:
    return {"game_id": "g1", "size": 19, "move_number": n, "kind": "move", "color": "b" if n % 2 else "w",
            "point": [n % 19, n // 19], "captured": []}


def _seqs(recorder: MqttRecorder) -> list[int]:
    return [json.loads(m.payload)["seq"] for m in recorder.on("goban/table-1/move")]


def _first_copies(seqs: list[int]) -> list[int]:
    seen: set[int] = set()
    return [s for s in seqs if not (s in seen or seen.add(s))]


def test_bridge_keeps_order_across_a_hub_outage_and_carries_commands(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    assert not re.search(r"[{}]", SHIPPED.read_text())  # the fixture formats {port}/{workdir}
    hub = mosquitto()
    local = mosquitto(config=_local_config(hub.port))
    scoreboard = MqttRecorder(hub.port, ["goban/table-1/#"], client_id="scoreboard", persistent=True)
    scoreboard.wait_subscribed()
    commands: list[str] = []
    seen_command = threading.Event()

    def on_command(command) -> CommandResult:  # noqa: ANN001
        commands.append(command.name)
        seen_command.set()
        return CommandResult.success("players set")

    publisher = Publisher(MqttConfig(board_id="table-1", host="127.0.0.1", port=local.port,
                                     outbox_path=tmp_path / "outbox.sqlite3",
                                     reconnect_min_delay_s=0.05, reconnect_max_delay_s=0.5), on_command)
    publisher.start()
    try:
        assert scoreboard.wait(lambda r: any(m.payload == b"1" for m in r.on("goban/table-1/bridge")), 15)
        for n in range(1, 6):
            publisher.publish_move(_move(n))
        assert scoreboard.wait(lambda r: len(set(_seqs(r))) == 5, 10)

        hub.stop()  # clean stop: the hub keeps the scoreboard's session
        for n in range(6, 11):
            publisher.publish_move(_move(n))
        # The local broker acknowledged them: they left goban-edge's outbox while the hub was gone.
        assert publisher.flush(5.0)
        hub.start()
        assert scoreboard.wait(lambda r: len(set(_seqs(r))) == 10, 30), _seqs(scoreboard)
        assert _first_copies(_seqs(scoreboard)) == list(range(1, 11))

        rows = ["." * 19] * 19
        publisher.publish_state({"game_id": "g1", "size": 19, "rows": rows, "move_number": 10, "to_play": "b",
                                 "prisoners": {"b": 0, "w": 0}, "last_move": None})
        assert scoreboard.wait(lambda r: bool(r.on("goban/table-1/state")), 10)
        late = MqttRecorder(hub.port, ["goban/table-1/state"])
        assert late.wait(lambda r: any(m.retain for m in r.on("goban/table-1/state")), 10)
        late.close()

        desk = MqttRecorder(hub.port, ["goban/table-1/cmd/result"])
        desk.wait_subscribed()
        desk.client.publish("goban/table-1/cmd/set-players", b'{"id": "desk-1", "black": "A"}', qos=1)
        assert seen_command.wait(10) and commands == ["set-players"]
        assert desk.wait(lambda r: any(json.loads(m.payload)["id"] == "desk-1" for m in r.on("goban/table-1/cmd/result")), 10)
        desk.close()
    finally:
        publisher.stop(timeout=1.0)

    local.kill()  # the Pi loses power: only the bridge's last will tells the hub
    assert scoreboard.wait(lambda r: r.on("goban/table-1/bridge")[-1].payload == b"0", 10)
    scoreboard.close()
