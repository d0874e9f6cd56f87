"""The publisher against a real mosquitto: retained topics, last will, ordered
delivery across broker restarts and publisher restarts, commands, discovery."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from support.mosquitto import MqttRecorder, mosquitto  # noqa: F401  (mosquitto is a fixture)
from support.tcp_proxy import CuttableProxy
from support.command_fuzz import fuzzed_bad_commands

from edge.publish import CommandResult, MqttConfig, Publisher, Recalibrate

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "edge" / "publish" / "schemas"


def _publisher(port: int, outbox: Path, on_command: Callable[..., CommandResult] | None = None, **extra: Any) -> Publisher:
    config = MqttConfig(
        board_id=extra.pop("board_id", "t1"), host="127.0.0.1", port=port, outbox_path=outbox,
        reconnect_min_delay_s=0.02, reconnect_max_delay_s=0.2, **extra,
    )
    publisher = Publisher(config, on_command or (lambda command: CommandResult.success()))
    publisher.start()
    return publisher


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _move(n: int) -> dict[str, Any]:
    return {"game_id": "g1", "size": 19, "move_number": n, "kind": "move",
            "color": "b" if n % 2 else "w", "point": [n // 19 % 19, n % 19]}


def _state(moves: int) -> dict[str, Any]:
    rows = ["." * 19] * 19
    rows[3] = "...B" + "." * 15
    return {"game_id": "g1", "size": 19, "rows": rows, "move_number": moves, "to_play": "w",
            "prisoners": {"b": 0, "w": 0}, "last_move": {"color": "b", "point": [3, 3]}, "black": "A", "white": None}


def _validator(name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks payloads against the shipped schemas")
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


def assert_in_order(payloads: list[bytes], last: int) -> int:
    """Every seq 1..last arrives, first occurrences in order; repeats must be identical. Returns the repeat count."""
    first: dict[int, bytes] = {}
    top = repeats = 0
    for payload in payloads:
        seq = json.loads(payload)["seq"]
        if seq <= top:
            assert first[seq] == payload, f"seq {seq} repeated with different content"
            repeats += 1
        else:
            assert seq == top + 1, f"gap or reordering: {top} followed by {seq}"
            first[seq] = payload
            top = seq
    assert top == last, f"only {top} of {last} events arrived"
    return repeats


def test_retained_topics_reach_a_late_subscriber_and_are_republished_after_a_broker_loses_them(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    publisher = _publisher(broker.port, tmp_path / "outbox.sqlite3")
    assert _wait(lambda: publisher.connected)
    publisher.publish_state(_state(1))
    publisher.publish_sgf(b"(;GM[1]FF[4]SZ[19];B[dd])", game_id="g1")
    publisher.publish_status({"fps": 4.5, "detector_latency_ms": 31.0, "delegate": "xnnpack",
                              "calibration_error_px": 0.4, "camera": "ok", "uptime_s": 12})
    seq = publisher.publish_move(_move(1))
    assert publisher.flush(5)

    late = MqttRecorder(broker.port, ["goban/#"])
    late.wait_subscribed()
    assert late.wait(lambda r: all(r.on(f"goban/t1/{t}") for t in ("available", "state", "sgf")))
    for topic in ("available", "state", "sgf"):
        assert all(m.retain for m in late.on(f"goban/t1/{topic}"))
    assert late.on("goban/t1/available")[-1].payload == b"online"
    _validator("available").validate(late.on("goban/t1/available")[-1].payload.decode())
    assert late.on("goban/t1/status") == [] and late.on("goban/t1/move") == []  # not retained
    state = json.loads(late.on("goban/t1/state")[-1].payload)
    _validator("state").validate(state)
    assert state["last_move"] == {"color": "b", "point": [3, 3], "sgf": "dd"} and state["board"] == "t1"
    _validator("sgf").validate(json.loads(late.on("goban/t1/sgf")[-1].payload))
    late.close()

    # A broker that comes back empty (no persistence) gets state, sgf and
    # availability again from the reconnecting publisher.
    broker.kill()
    for item in (broker.workdir / "data").iterdir():
        item.unlink()
    broker.start()
    fresh = MqttRecorder(broker.port, ["goban/#"])
    fresh.wait_subscribed()
    assert fresh.wait(lambda r: all(r.on(f"goban/t1/{t}") for t in ("available", "state", "sgf")))
    assert json.loads(fresh.on("goban/t1/state")[-1].payload) == state
    publisher.stop(2)
    assert fresh.wait(lambda r: r.on("goban/t1/available")[-1].payload == b"offline")
    assert seq == 1
    fresh.close()


def test_last_will_marks_a_killed_publisher_offline(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    watcher = MqttRecorder(broker.port, ["goban/lw/available"])
    watcher.wait_subscribed()
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from edge.publish import CommandResult, MqttConfig, Publisher
        config = MqttConfig(board_id="lw", host="127.0.0.1", port={broker.port},
                            outbox_path=Path({str(tmp_path / 'lw.sqlite3')!r}), keepalive_s=60)
        publisher = Publisher(config, lambda command: CommandResult.success())
        publisher.start()
        while not publisher.connected:
            time.sleep(0.01)
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        assert watcher.wait(lambda r: [m.payload for m in r.on("goban/lw/available")] == [b"online"])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        # keepalive is 60 s: only the closed socket can have told the broker.
        assert watcher.wait(lambda r: r.on("goban/lw/available")[-1].payload == b"offline", 5)
    finally:
        proc.kill()
        proc.wait()
    late = MqttRecorder(broker.port, ["goban/lw/available"])
    late.wait_subscribed()
    assert late.wait(lambda r: bool(r.on("goban/lw/available")))
    assert late.on("goban/lw/available")[-1].payload == b"offline" and late.on("goban/lw/available")[-1].retain
    watcher.close()
    late.close()


def test_three_hundred_moves_arrive_in_order_across_ten_broker_kills(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    """Ten broker deaths at random points of a 300-move stream; every move
    arrives, first copies in order, repeats identical.

    Half are SIGTERM restarts (mosquitto saves its state and exits). Half are
    SIGKILLs of a broker first frozen with SIGSTOP while moves pile up
    unacknowledged: a SIGKILL that lands just after mosquitto acknowledged a
    move, before it saved it, loses that move inside the broker, which no
    publisher can prevent, so the freeze makes sure the killed broker owed
    nothing while the publisher still has everything to resend."""
    broker = mosquitto()
    # A persistent subscriber: the broker keeps its queue while it reconnects.
    watcher = MqttRecorder(broker.port, ["goban/t1/move"], client_id="watcher", persistent=True)
    watcher.wait_subscribed()
    publisher = _publisher(broker.port, tmp_path / "outbox.sqlite3")
    assert _wait(lambda: publisher.connected)
    rng = random.Random(11)
    kills = []

    def chaos() -> None:
        for i in range(10):
            time.sleep(rng.uniform(0.08, 0.25))
            if i % 2 == 0:
                broker.stop()
            else:
                # A killed broker restarts from its last save: wait until
                # nothing is queued for an absent watcher, then freeze it.
                watcher.wait_subscribed(20)
                broker.freeze()
                time.sleep(rng.uniform(0.05, 0.15))
                broker.kill()
            broker.start()
            kills.append(time.monotonic())

    chaos_thread = threading.Thread(target=chaos)
    chaos_thread.start()
    slowest = 0.0
    for n in range(1, 301):
        started = time.monotonic()
        assert publisher.publish_move(_move(n)) == n
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.008)
    publishing_ended = time.monotonic()
    chaos_thread.join(60)
    assert len(kills) == 10
    assert sum(k < publishing_ended for k in kills) >= 5  # the kills hit the stream, not its end
    assert watcher.wait(lambda r: any(json.loads(m.payload)["seq"] == 300 for m in r.on("goban/t1/move")), 20)
    assert publisher.flush(10)
    publisher.stop(2)
    payloads = [m.payload for m in watcher.on("goban/t1/move")]
    repeats = assert_in_order(payloads, 300)
    print(f"{repeats} repeated events, {sum(k < publishing_ended for k in kills)} kills during publishing")
    validator = _validator("move")
    for payload in payloads[:20]:
        validator.validate(json.loads(payload))
    assert slowest < 0.5, f"publish_move blocked for {slowest:.3f} s"
    watcher.close()


def test_outbox_replays_after_a_publisher_restart_while_the_broker_was_down(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    outbox = tmp_path / "outbox.sqlite3"
    first = _publisher(broker.port, outbox)
    assert _wait(lambda: first.connected)
    for n in range(1, 6):
        first.publish_move(_move(n))
    assert first.flush(5)
    broker.stop()
    assert _wait(lambda: not first.connected)
    for n in range(6, 21):
        first.publish_move(_move(n))
    started = time.monotonic()
    first.stop(timeout=3)
    assert time.monotonic() - started < 2.5  # no point waiting for a broker that is gone

    broker.start()
    watcher = MqttRecorder(broker.port, ["goban/t1/move"])
    watcher.wait_subscribed()
    second = _publisher(broker.port, outbox)
    assert second.publish_move(_move(21)) == 21  # the sequence goes on, queued behind the replay
    assert watcher.wait(lambda r: len(r.on("goban/t1/move")) >= 16)
    assert second.flush(5)
    second.stop(2)
    seqs = [json.loads(m.payload)["seq"] for m in watcher.on("goban/t1/move")]
    assert seqs == list(range(6, 22))
    watcher.close()


def test_bad_commands_through_the_broker_are_answered_and_change_nothing(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    handled: list[Any] = []

    def handle(command: Any) -> CommandResult:
        handled.append(command)
        return CommandResult.success("recalibrating")

    publisher = _publisher(broker.port, tmp_path / "outbox.sqlite3", on_command=handle)
    assert _wait(lambda: publisher.connected)
    publisher.publish_state(_state(7))
    desk = MqttRecorder(broker.port, ["goban/t1/cmd/result", "goban/t1/state"])
    desk.wait_subscribed()
    assert desk.wait(lambda r: bool(r.on("goban/t1/state")))
    state_before = desk.on("goban/t1/state")[-1].payload

    sent = []
    for name, payload in fuzzed_bad_commands(2000, seed=99):
        if name == "result" or any(c in name for c in "/+#"):
            continue  # not a command topic: "result" is the board's own reply topic
        sent.append(name)
        desk.client.publish(f"goban/t1/cmd/{name}", payload, qos=1)
        if len(sent) == 300:
            break
    desk.client.publish("goban/t1/cmd/recalibrate", b'{"id": "last"}', qos=1)
    assert desk.wait(lambda r: len(r.on("goban/t1/cmd/result")) == 301, 20)
    results = [json.loads(m.payload) for m in desk.on("goban/t1/cmd/result")]
    validator = _validator("command-result")
    for name, result in zip(sent, results):
        validator.validate(result)
        assert result["ok"] is False and result["message"], result
        assert result["command"] == (name or "?")
    assert results[-1]["ok"] is True and results[-1]["id"] == "last"
    assert handled == [Recalibrate("last")]  # none of the bad ones reached the daemon

    # Nothing changed: the retained state is the same bytes, the board is up.
    assert publisher.connected
    check = MqttRecorder(broker.port, ["goban/t1/state"])
    check.wait_subscribed()
    assert check.wait(lambda r: bool(r.on("goban/t1/state")))
    assert check.on("goban/t1/state")[-1].payload == state_before
    publisher.stop(2)
    desk.close()
    check.close()


def test_home_assistant_discovery_describes_the_status_figures(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    broker = mosquitto()
    publisher = _publisher(broker.port, tmp_path / "o.sqlite3", ha_discovery=True, board_id="table-2")
    assert _wait(lambda: publisher.connected)
    ha = MqttRecorder(broker.port, ["homeassistant/#", "goban/table-2/status"])
    ha.wait_subscribed()
    assert ha.wait(lambda r: len([m for m in r.messages if m.topic.startswith("homeassistant/")]) == 6)
    status_schema = json.loads((SCHEMAS / "status.json").read_text())
    for message in ha.messages:
        if not message.topic.startswith("homeassistant/"):
            continue
        assert message.retain and message.topic.startswith("homeassistant/sensor/goban_edge_table-2/")
        config = json.loads(message.payload)
        assert config["state_topic"] == "goban/table-2/status"
        assert config["availability_topic"] == "goban/table-2/available"
        key = config["value_template"].split("value_json.")[1].split()[0]
        assert key in status_schema["required"]
    publisher.publish_status({"fps": 3.0, "detector_latency_ms": None, "delegate": "edgetpu",
                              "calibration_error_px": None, "camera": "starting", "uptime_s": 1.5})
    assert ha.wait(lambda r: bool(r.on("goban/table-2/status")))
    _validator("status").validate(json.loads(ha.on("goban/table-2/status")[0].payload))
    publisher.stop(2)
    ha.close()


def test_moves_survive_a_network_cut_and_the_broker_sees_the_last_will(mosquitto, tmp_path: Path) -> None:  # noqa: F811
    """A silent cut (no FIN, no RST) is found by the keepalive; moves made
    during it wait in the outbox and arrive in order once the link is back.
    Seconds here stand in for minutes: nothing in the path depends on how long."""
    broker = mosquitto()
    proxy = CuttableProxy(broker.port)
    watcher = MqttRecorder(broker.port, ["goban/t1/move", "goban/t1/available"])
    watcher.wait_subscribed()
    publisher = _publisher(proxy.port, tmp_path / "outbox.sqlite3", keepalive_s=1)
    try:
        assert _wait(lambda: publisher.connected)
        for n in range(1, 21):
            publisher.publish_move(_move(n))
        assert publisher.flush(5)
        proxy.cut()
        slowest = 0.0
        for n in range(21, 51):
            started = time.monotonic()
            publisher.publish_move(_move(n))
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.02)
        assert _wait(lambda: not publisher.connected, 5)  # keepalive noticed the silence
        # The broker's keepalive (1.5 x 1 s) ends the old session: the will goes out.
        assert watcher.wait(lambda r: r.on("goban/t1/available")[-1].payload == b"offline", 5)
        assert publisher.pending_moves() >= 30
        time.sleep(0.5)  # reconnect attempts into the black hole
        proxy.restore()
        assert _wait(lambda: publisher.connected, 10)
        for n in range(51, 61):
            publisher.publish_move(_move(n))
        assert publisher.flush(10)
        assert watcher.wait(lambda r: r.on("goban/t1/available")[-1].payload == b"online")
        assert watcher.wait(lambda r: any(json.loads(m.payload)["seq"] == 60 for m in r.on("goban/t1/move")))
        assert_in_order([m.payload for m in watcher.on("goban/t1/move")], 60)
        assert slowest < 0.5, f"publish_move blocked for {slowest:.3f} s during the cut"
    finally:
        publisher.stop(1)
        proxy.close()
        watcher.close()
