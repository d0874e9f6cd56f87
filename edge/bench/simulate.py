"""Tournament scale: N boards replaying game records through the real publisher to one broker.

Every board is a real `edge.publish.Publisher` with its own paho client,
session and outbox; boards run in one or more fleet processes (`fleet`), a
separate subscriber process (`subscriber`) measures what arrives, and
`delivery.analyse` compares the two. Without a broker URL a local mosquitto
is started for the run.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from edge.bench.delivery import Delivery, analyse
from edge.bench.fleet import FleetSpec, Send, fleet_main
from edge.bench.limits import FILES_PER_BOARD, raise_open_files
from edge.bench.machine import cpu_between, load_average, process_cpu_snapshot
from edge.bench.scripts import ScriptedMove, board_script
from edge.bench.subscriber import SubscriberSpec, subscriber_main
from edge.errors import BadInputError, GobanError
from edge.publish.local_broker import MosquittoBroker, free_port, mosquitto_binary, plain_config
from edge.synth.games import game_corpus

log = logging.getLogger(__name__)

P99_TARGET_MS = 250.0
LAG_LIMIT_MS = 250.0
"""Above this the simulator itself fell behind its schedule and the offered rate was not the one asked for."""


BOARDS_PER_PROCESS = 150
"""paho's network loop uses select(), which cannot watch a file descriptor numbered 1024 or
more; a board holds about 6 (socket, wake-up pair, outbox database, WAL, shared memory), so
one process serves at most ~160 boards before new connections fail."""

START_LEAD_S = 0.3
"""From "go" to the first move: time for every fleet process to receive the order."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def parse_broker_url(text: str) -> BrokerAddress:
    """`mqtt://host[:port]` (port 1883 by default)."""
    parts = urlsplit(text)
    if parts.scheme != "mqtt" or not parts.hostname or parts.path not in ("", "/") or parts.username:
        raise BadInputError(f"broker {text!r} is not mqtt://host[:port]")
    try:
        port = parts.port or 1883
    except ValueError:
        raise BadInputError(f"broker {text!r} has a bad port") from None
    return BrokerAddress(parts.hostname, port)


@dataclass(frozen=True)
class SimulationSettings:
    boards: int
    moves: int = 30
    """Moves per board."""
    interval_s: float = 2.0
    """Seconds between two moves of one board."""
    broker: BrokerAddress | None = None
    """None: start a local mosquitto for the run."""
    processes: int = 0
    """Fleet processes the boards are spread over; 0: as few as BOARDS_PER_PROCESS allows."""
    games: int = 10
    """Distinct game records (the real ones first, then generated); board i replays game i mod games."""
    prefix: str = "goban"
    full_traffic: bool = True
    outbox_dir: Path | None = None
    """None: a temporary folder on /dev/shm when there is one (see docs/tournament.md)."""
    broker_options: str = ""
    """Extra mosquitto.conf lines for the local broker."""
    drain_s: float = 15.0

    def __post_init__(self) -> None:
        if not 1 <= self.boards <= 20000:
            raise BadInputError(f"board count {self.boards} is not in 1..20000")
        if self.moves < 1:
            raise BadInputError(f"moves per board {self.moves} must be at least 1")
        if not 0.001 <= self.interval_s <= 3600:
            raise BadInputError(f"move interval {self.interval_s} s is not in 0.001..3600")
        if not 0 <= self.processes <= 256:
            raise BadInputError(f"process count {self.processes} is not in 0..256 (0: automatic)")
        if self.processes and -(-self.boards // self.processes) > BOARDS_PER_PROCESS:
            raise BadInputError(
                f"{self.boards} boards in {self.processes} process(es) is more than {BOARDS_PER_PROCESS} per process: "
                "paho's select() loop cannot watch file descriptors above 1023; use more processes or 0 (automatic)"
            )

    @property
    def fleet_processes(self) -> int:
        return self.processes or -(-self.boards // BOARDS_PER_PROCESS)
        if self.games < 1:
            raise BadInputError(f"game count {self.games} must be at least 1")


@dataclass(frozen=True)
class SimulationRun:
    boards: int
    moves_per_board: int
    interval_s: float
    processes: int
    full_traffic: bool
    broker: str
    outbox_dir: str
    connected: int
    connect_s: float
    target_rate: float
    """Moves per second offered: boards / interval."""
    achieved_rate: float
    publish_wall_s: float
    delivery: Delivery
    cpu_percent: dict[str, float | None]
    """During the publishing phase: `fleets`, `subscriber`, `broker` in % of one core;
    `machine` (all busy) and `others` (everything else running) in % of all cores."""
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None
    unacknowledged: int
    errors: list[str]
    stop_errors: list[str]
    """Publishers whose stop() tripped over paho's shutdown race, after all their moves were acknowledged."""
    holds: bool
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("latency_ms", "schedule_latency_ms", "lag_ms", "call_ms"):
            data["delivery"][key] = getattr(self.delivery, key).to_dict()
        data["errors"] = self.errors[:20]
        data["stop_errors"] = len(self.stop_errors)
        return data


def _verdict(run: dict[str, Any], delivery: Delivery, boards: int) -> list[str]:
    failures = []
    if run["connected"] < boards:
        failures.append(f"only {run['connected']} of {boards} boards connected")
    if delivery.lost:
        failures.append(f"{delivery.lost} move(s) lost")
    if delivery.out_of_order:
        failures.append(f"{delivery.out_of_order} move(s) out of order")
    if delivery.wrong_content:
        failures.append(f"{delivery.wrong_content} move(s) with the wrong content")
    p99 = delivery.latency_ms.p99
    if p99 is None or p99 >= P99_TARGET_MS:
        failures.append(f"p99 latency {p99:.0f} ms >= {P99_TARGET_MS:.0f} ms" if p99 is not None else "no latency measured")
    lag = delivery.lag_ms.p99
    if lag is not None and lag >= LAG_LIMIT_MS:
        failures.append(f"the simulator fell behind its schedule (p99 lag {lag:.0f} ms)")
    if run["errors"]:
        failures.append(f"{len(run['errors'])} publish error(s)")
    return failures


@contextmanager
def _local_broker(settings: SimulationSettings) -> Iterator[tuple[BrokerAddress, MosquittoBroker | None]]:
    if settings.broker is not None:
        yield settings.broker, None
        return
    binary = mosquitto_binary()
    if binary is None:
        raise GobanError("no broker given and mosquitto is not installed (apt-get install mosquitto, or --broker URL)")
    workdir = Path(tempfile.mkdtemp(prefix="goban-sim-broker-"))
    (workdir / "data").mkdir()
    broker = MosquittoBroker(binary, workdir, free_port(), plain_config(general=settings.broker_options))
    try:
        broker.start()
        yield BrokerAddress("127.0.0.1", broker.port), broker
    finally:
        broker.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def _outbox_root(settings: SimulationSettings) -> Path:
    if settings.outbox_dir is not None:
        settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="goban-sim-outbox-", dir=settings.outbox_dir))
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="goban-sim-outbox-", dir=base))


def _proc_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _recv(conn: Any, timeout: float, what: str) -> tuple[Any, ...]:
    if not conn.poll(timeout):
        raise GobanError(f"the {what} did not answer within {timeout:.0f} s")
    try:
        message = conn.recv()
    except EOFError:
        raise GobanError(f"the {what} process exited unexpectedly") from None
    if message[0] == "error":
        raise GobanError(f"the {what} failed: {message[1]}")
    return message


def build_scripts(settings: SimulationSettings) -> list[list[ScriptedMove]]:
    games = game_corpus(min(settings.games, settings.boards), moves=max(settings.moves, 60))
    return [board_script(game, settings.moves, f"sim-{k}") for k, game in enumerate(games)]


def simulate(settings: SimulationSettings, scripts: list[list[ScriptedMove]] | None = None) -> SimulationRun:
    """One run of `settings.boards` boards; see the module doc."""
    n = settings.boards
    scripts = scripts if scripts is not None else build_scripts(settings)
    raise_open_files(n * FILES_PER_BOARD + 1024)  # before the broker starts: it inherits the limit
    tag = secrets.token_hex(3)
    boards = tuple(f"sim{tag}-{i:05d}" for i in range(n))
    script_of = tuple(i % len(scripts) for i in range(n))
    offsets = tuple(settings.interval_s * i / n for i in range(n))
    processes = settings.fleet_processes
    ctx = mp.get_context("spawn")
    outbox_root = _outbox_root(settings)
    fleets: list[tuple[Any, Any]] = []
    subscriber = None
    try:
        with _local_broker(settings) as (address, broker):
            counter = ctx.RawValue("q", 0)
            sub_conn, child = ctx.Pipe()
            spec = SubscriberSpec(address.host, address.port, f"{settings.prefix}/+/move", f"goban-sim-sub-{tag}")
            process = ctx.Process(target=subscriber_main, args=(child, spec, counter), daemon=True)
            process.start()
            subscriber = process
            child.close()  # so that a dead child reads as EOF instead of silence
            for p in range(processes):
                members = range(p, n, processes)
                fspec = FleetSpec(
                    address.host, address.port, settings.prefix,
                    tuple(boards[i] for i in members), tuple(script_of[i] for i in members),
                    tuple(offsets[i] for i in members), settings.interval_s, settings.moves,
                    str(outbox_root), settings.full_traffic, connect_timeout_s=30.0 + 0.1 * n,
                )
                conn, child = ctx.Pipe()
                proc = ctx.Process(target=fleet_main, args=(child, fspec, scripts), daemon=True)
                proc.start()
                child.close()
                fleets.append((proc, conn))
            # Started together; the boards only publish after "go", when the subscriber is listening.
            _recv(sub_conn, 60.0, "subscriber")
            connected, connect_s = 0, 0.0
            for proc, conn in fleets:
                _, ok, seconds = _recv(conn, 120.0 + 0.2 * n, "board fleet")
                connected += ok
                connect_s = max(connect_s, seconds)
            load_before = load_average()
            pids = {"subscriber": subscriber.pid, "broker": broker.proc.pid if broker and broker.proc else None}
            cpu_before = {name: _proc_cpu_s(pid) if pid else None for name, pid in pids.items()}
            phase_began = time.monotonic()
            snapshot_before = process_cpu_snapshot()
            t0 = time.monotonic() + START_LEAD_S
            for _, conn in fleets:
                conn.send(("go", t0))
            sends: list[Send] = []
            errors: list[str] = []
            stop_errors: list[str] = []
            unacked = 0
            fleet_cpu = 0.0
            wall = 0.0
            # An overloaded run falls behind its schedule: allow it three times the planned span.
            expected_s = 3 * settings.interval_s * settings.moves + 120.0
            for p, (proc, conn) in enumerate(fleets):
                _, fsends, cpu_s, wall_s, left, ferrors, fstop = _recv(conn, expected_s, "board fleet")
                stop_errors += fstop
                members = list(range(p, n, processes))
                sends += [(members[i], seq, due, called, returned) for i, seq, due, called, returned in fsends]
                fleet_cpu += cpu_s
                wall = max(wall, wall_s)
                unacked += left
                errors += ferrors
            deadline = time.monotonic() + settings.drain_s
            while counter.value < len(sends) and time.monotonic() < deadline:
                time.sleep(0.05)
            sub_conn.send("stop")
            _, receipts, malformed = _recv(sub_conn, 60.0, "subscriber")
            cpu_after = {name: _proc_cpu_s(pid) if pid else None for name, pid in pids.items()}
            phase_s = time.monotonic() - phase_began
            all_cpu_s = cpu_between(snapshot_before, process_cpu_snapshot())
            load_after = load_average()
    finally:
        # After a failure the children may still wait for orders: give them a moment in all, then end them.
        deadline = time.monotonic() + 5.0
        for proc in [p for p, _ in fleets] + ([subscriber] if subscriber is not None else []):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        shutil.rmtree(outbox_root, ignore_errors=True)
    # seq k+1 of a fresh outbox carries the board's k-th scripted move.
    move_numbers = {(i, seq): scripts[script_of[i]][seq - 1].event["move_number"]
                    for i, seq, *_ in sends if 1 <= seq <= settings.moves}
    delivery = analyse(boards, sends, receipts, move_numbers)
    if malformed:
        errors.append(f"{malformed} malformed message(s) on the move topic")
    span = (max(s[3] for s in sends) - min(s[3] for s in sends)) if len(sends) > 1 else 0.0
    achieved = (len(sends) - 1) / span if span > 0 else 0.0
    cpu_pct: dict[str, float | None] = {"fleets": round(100.0 * fleet_cpu / wall, 1) if wall else None}
    for name in pids:
        before, after = cpu_before[name], cpu_after[name]
        cpu_pct[name] = round(100.0 * (after - before) / phase_s, 1) if before is not None and after is not None else None
    cores = os.cpu_count() or 1
    ours = sum(v for v in cpu_pct.values() if v is not None) / cores
    machine_busy = None if all_cpu_s is None else 100.0 * all_cpu_s / phase_s / cores
    cpu_pct["machine"] = None if machine_busy is None else round(machine_busy, 1)
    cpu_pct["others"] = None if machine_busy is None else round(max(0.0, machine_busy - ours), 1)
    fields = dict(
        boards=n, moves_per_board=settings.moves, interval_s=settings.interval_s, processes=processes,
        full_traffic=settings.full_traffic,
        broker=address.url() + (" (local mosquitto)" if settings.broker is None else ""),
        outbox_dir=str(outbox_root.parent), connected=connected, connect_s=round(connect_s, 2),
        target_rate=round(n / settings.interval_s, 2), achieved_rate=round(achieved, 2),
        publish_wall_s=round(wall, 2), delivery=delivery, cpu_percent=cpu_pct,
        load_before=load_before, load_after=load_after, unacknowledged=unacked, errors=errors,
        stop_errors=stop_errors,
    )
    failures = _verdict(fields, delivery, n)
    return SimulationRun(**fields, holds=not failures, failures=failures)
