"""Simulated boards: real `Publisher` objects driven on a schedule, many per process.

Each board is what a club Pi runs: its own `Publisher` (own paho client and
network thread, own MQTT session, own on-disk outbox). One driver thread per
fleet process calls `publish_move`, `publish_state` and `publish_sgf` at each
board's scheduled times, as the daemon's main loop would; boards are spread
evenly over the move interval so the broker sees a steady stream, the way
unsynchronised games arrive.
"""

from __future__ import annotations

import heapq
import logging
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from edge.bench.limits import FILES_PER_BOARD, raise_open_files
from edge.bench.scripts import ScriptedMove
from edge.publish import CommandResult, MqttConfig, Publisher

log = logging.getLogger(__name__)

STATUS_EVERY_S = 10.0
"""The daemon's status interval."""


@dataclass(frozen=True)
class FleetSpec:
    host: str
    port: int
    prefix: str
    boards: tuple[str, ...]
    scripts: tuple[int, ...]
    """Index into the scripts list for each board."""
    offsets_s: tuple[float, ...]
    """Each board's first move, seconds after the common start."""
    interval_s: float
    moves: int
    outbox_dir: str
    full_traffic: bool = True
    """Also `state` + `sgf` after every move and `status` every 10 s, as the daemon does."""
    connect_timeout_s: float = 60.0
    session_expiry_s: int = 60
    """Short: a simulation must not leave hundreds of sessions on a real hub for a week."""


Send = tuple[int, int, float, float, float]
"""(board index, seq, scheduled, call started, call returned), monotonic seconds."""


def _no_commands(command: Any) -> CommandResult:
    return CommandResult.failure("a simulated board takes no commands")


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Fleet:
    def __init__(self, spec: FleetSpec, scripts: list[list[ScriptedMove]]) -> None:
        self.spec = spec
        self.scripts = scripts
        self.publishers: list[Publisher] = []
        self.errors: list[str] = []
        self.stop_errors: list[str] = []

    def start(self) -> tuple[int, float]:
        """Start every publisher and wait for their connections; returns (connected, seconds)."""
        spec = self.spec
        raise_open_files(len(spec.boards) * FILES_PER_BOARD + 256)
        began = time.monotonic()
        for board in spec.boards:
            config = MqttConfig(
                board_id=board, host=spec.host, port=spec.port, prefix=spec.prefix,
                outbox_path=Path(spec.outbox_dir) / f"{board}.sqlite3",
                session_expiry_s=spec.session_expiry_s, reconnect_min_delay_s=0.1, reconnect_max_delay_s=2.0,
            )
            publisher = Publisher(config, _no_commands)
            publisher.start()
            self.publishers.append(publisher)
        deadline = began + spec.connect_timeout_s
        while time.monotonic() < deadline and not all(p.connected for p in self.publishers):
            time.sleep(0.02)
        return sum(p.connected for p in self.publishers), time.monotonic() - began

    def run(self, t0: float) -> tuple[list[Send], float, float]:
        """Publish every scheduled move from monotonic time `t0`; returns (sends, cpu s, wall s)."""
        spec = self.spec
        status_every = max(1, round(STATUS_EVERY_S / spec.interval_s))
        started = time.monotonic()
        uptime0 = started
        queue = [(t0 + spec.offsets_s[i], i, 0) for i in range(len(spec.boards))]
        heapq.heapify(queue)
        sends: list[Send] = []
        cpu0 = _cpu_s()
        while queue:
            due, i, k = heapq.heappop(queue)
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            step = self.scripts[spec.scripts[i]][k]
            publisher = self.publishers[i]
            called = time.monotonic()
            try:
                seq = publisher.publish_move(step.event)
                sends.append((i, seq, due, called, time.monotonic()))
                if spec.full_traffic:
                    publisher.publish_state(step.state)
                    publisher.publish_sgf(step.sgf, step.game_id)
                    if k % status_every == status_every - 1:
                        publisher.publish_status({
                            "fps": 5.0, "detector_latency_ms": 40.0, "delegate": "xnnpack",
                            "calibration_error_px": 0.5, "camera": "ok", "uptime_s": round(called - uptime0, 1),
                        })
            except Exception as exc:  # noqa: BLE001 - a simulated board's failure is a result, not a crash
                self.errors.append(f"{spec.boards[i]} move {k + 1}: {exc}")
            if k + 1 < spec.moves:
                heapq.heappush(queue, (due + spec.interval_s, i, k + 1))
        return sends, _cpu_s() - cpu0, time.monotonic() - started

    def finish(self, flush_timeout_s: float) -> int:
        """Wait for the broker to acknowledge every move, then stop; returns moves left unacknowledged."""
        deadline = time.monotonic() + flush_timeout_s
        left = 0
        for publisher in self.publishers:
            if not publisher.flush(max(0.0, deadline - time.monotonic())):
                left += publisher.pending_moves()
        # In parallel: stopping a publisher that is between reconnection attempts waits for its backoff.
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(self._stop, self.publishers))
        return left

    def _stop(self, publisher: Publisher) -> None:
        try:
            publisher.stop(timeout=0.5)
        except AttributeError as exc:
            # paho 2.2's loop_stop() races with its own network thread, which clears
            # `_thread` as it exits after disconnect(): harmless once everything was acknowledged.
            self.stop_errors.append(f"{publisher.config.board_id}: {exc}")


def fleet_main(conn: Connection, spec: FleetSpec, scripts: list[list[ScriptedMove]]) -> None:
    """Process entry. Protocol: -> ("ready", connected, seconds); <- ("go", t0) or "abort";
    -> ("done", sends, cpu_s, wall_s, unacknowledged, errors, stop errors)."""
    logging.basicConfig(level=logging.ERROR)
    # paho 2.2 logs "Client is not connected" at ERROR when its loop thread runs
    # once more after a clean disconnect; the publisher's own errors stay visible.
    logging.getLogger("edge.publish.paho").setLevel(logging.CRITICAL)
    fleet = Fleet(spec, scripts)
    try:
        connected, seconds = fleet.start()
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", connected, seconds))
    order = conn.recv()
    if order == "abort":
        fleet.finish(0.0)
        return
    try:
        sends, cpu_s, wall_s = fleet.run(order[1])
        left = fleet.finish(flush_timeout_s=30.0)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("done", sends, cpu_s, wall_s, left, fleet.errors, fleet.stop_errors))
