"""sd_notify over real AF_UNIX datagram sockets, and signal handling that
turns SIGTERM into a clean stop of a real main loop in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from edge.daemon.notify import Notifier, watchdog_interval
from edge.daemon.signals import StopSignals

REPO = Path(__file__).resolve().parents[1]


def _listen(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(5)
    return sock


def test_without_notify_socket_nothing_happens() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.ready() is False and notifier.watchdog() is False and notifier.stopping() is False


def test_ready_status_watchdog_and_stopping_reach_a_path_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with _listen(path) as server:
        notifier = Notifier({"NOTIFY_SOCKET": path})
        assert notifier.enabled
        assert notifier.ready("watching board\nt1")
        assert server.recv(4096) == b"READY=1\nSTATUS=watching board t1"
        assert notifier.watchdog()
        assert server.recv(4096) == b"WATCHDOG=1"
        assert notifier.status("4.8 fps, broker connected")
        assert server.recv(4096) == b"STATUS=4.8 fps, broker connected"
        assert notifier.stopping()
        assert server.recv(4096) == b"STOPPING=1"
        notifier.close()


def test_abstract_socket_names_are_supported() -> None:
    name = f"goban-edge-test-{uuid.uuid4().hex}"
    with _listen("\0" + name) as server:
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.ready()
        assert server.recv(4096) == b"READY=1"
        notifier.close()


def test_a_vanished_socket_or_bad_value_never_raises(tmp_path: Path) -> None:
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}).watchdog() is False
    assert not Notifier({"NOTIFY_SOCKET": "relative/path"}).enabled
    with pytest.raises(ValueError):
        Notifier({"NOTIFY_SOCKET": str(tmp_path / "x")}).notify("STATUS=a\nREADY=1")


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None


def test_signals_become_readable_bytes_in_arrival_order() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals() as stops:
        assert stops.wait(0) is None
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stops.wait(1) == signal.SIGHUP
        assert stops.drain() == [signal.SIGTERM]
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt: it is only data now
        assert stops.wait(1) == signal.SIGINT
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_stops_a_notifying_main_loop_cleanly(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    daemon = textwrap.dedent(
        """
        import sys, time
        from edge.daemon.notify import Notifier, watchdog_interval
        from edge.daemon.signals import StopSignals

        notifier = Notifier()
        with StopSignals() as stops:
            notifier.ready("running")
            print("running", flush=True)
            interval = watchdog_interval() or 1.0
            while True:
                received = stops.wait(interval)
                if received is None:
                    notifier.watchdog()
                    continue
                notifier.stopping(f"stopping on {received.name}")
                time.sleep(0.05)  # the real daemon would flush the publisher here
                print(f"clean stop on {received.name}", flush=True)
                sys.exit(0)
        """
    )
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="100000")
    with _listen(path) as server:
        proc = subprocess.Popen([sys.executable, "-c", daemon], stdout=subprocess.PIPE, env=env, cwd=REPO)
        assert proc.stdout is not None and proc.stdout.readline() == b"running\n"
        assert server.recv(4096) == b"READY=1\nSTATUS=running"
        assert server.recv(4096) == b"WATCHDOG=1"  # WATCHDOG_PID unset: pings every 50 ms
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert out == b"clean stop on SIGTERM\n"
        messages = []
        server.settimeout(0.5)
        while True:
            try:
                messages.append(server.recv(4096))
            except socket.timeout:
                break
        assert messages[-1] == b"STOPPING=1\nSTATUS=stopping on SIGTERM"
        assert set(messages[:-1]) <= {b"WATCHDOG=1"}
