"""The measuring subscriber: one paho client on `<prefix>/+/move`, in its own process.

It runs apart from the simulated boards so that their hundreds of threads do
not delay its receive timestamps (one Python process shares one interpreter
lock). Timestamps are `time.monotonic()`, which on Linux is the system-wide
CLOCK_MONOTONIC, so they compare directly with the boards' send times taken in
other processes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubscriberSpec:
    host: str
    port: int
    topic: str
    client_id: str
    ready_timeout_s: float = 15.0


Receipt = tuple[str, str, int, int, str, float]
"""(board, stream, seq, move_number, game_id, received monotonic s), in arrival order."""


class MoveRecorder:
    """Records every move event it receives; `count` is readable from another thread."""

    def __init__(self, spec: SubscriberSpec) -> None:
        self.spec = spec
        self.receipts: list[Receipt] = []
        self.malformed = 0
        self.count = 0
        self.subscribed = threading.Event()
        self.refused: str | None = None
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=spec.client_id, protocol=MQTTProtocolVersion.MQTTv5)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.reconnect_delay_set(0.05, 1)  # type: ignore[arg-type]
        self.client = client

    def start(self) -> bool:
        self.client.connect_async(self.spec.host, self.spec.port, 30, clean_start=True)
        self.client.loop_start()
        return self.subscribed.wait(self.spec.ready_timeout_s)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self.refused = str(reason)
            return
        client.subscribe(self.spec.topic, qos=1)

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self.refused = f"cannot reach the broker at {self.spec.host}:{self.spec.port}"

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
        if all(not r.is_failure for r in reasons):
            self.subscribed.set()
        else:
            self.refused = f"subscription to {self.spec.topic} refused: {reasons[0]}"

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        received = time.monotonic()
        try:
            body = json.loads(message.payload)
            self.receipts.append((
                str(body["board"]), str(body["stream"]), int(body["seq"]), int(body["move_number"]),
                str(body["game_id"]), received,
            ))
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
        self.count += 1


def subscriber_main(conn: Connection, spec: SubscriberSpec, counter: Any) -> None:
    """Process entry: ("ready",) once subscribed, then record until "stop"; answers ("done", receipts, malformed).

    `counter` is a shared integer the parent polls to know when everything arrived.
    """
    logging.basicConfig(level=logging.WARNING)
    recorder = MoveRecorder(spec)
    if not recorder.start():
        recorder.stop()
        why = recorder.refused or f"no subscription on {spec.host}:{spec.port} within {spec.ready_timeout_s:g} s"
        conn.send(("error", why))
        return
    conn.send(("ready",))
    while True:
        if conn.poll(0.05):
            if conn.recv() == "stop":
                break
        counter.value = recorder.count
    recorder.stop()
    conn.send(("done", recorder.receipts, recorder.malformed))
