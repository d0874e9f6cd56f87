"""A local mosquitto broker process on a free port: for the demo, the simulator and the tests.

It runs Debian's `/usr/sbin/mosquitto` (apt package `mosquitto`) with a
configuration written to its work directory; it can be stopped cleanly
(SIGTERM saves persistence), killed (a crash) or frozen (a hung broker).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_line() -> str:
    # Started as root, mosquitto drops to the `mosquitto` user, which cannot
    # read files under a root-only pytest tmp dir; keep the current user.
    return f"user {pwd.getpwuid(os.geteuid()).pw_name}\n" if os.geteuid() == 0 else ""


@dataclass
class MosquittoBroker:
    """One broker process; `config` may hold `{port}`, `{workdir}` placeholders."""

    binary: str
    workdir: Path
    port: int
    config: str
    extra_ports: tuple[int, ...] = ()
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 10.0) -> "MosquittoBroker":
        if self.running:
            return self
        self.config_path.write_text(self.config.format(port=self.port, workdir=self.workdir))
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-c", str(self.config_path)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        for port in (self.port, *self.extra_ports):
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"mosquitto exited with {self.proc.returncode}:\n{self.log()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"mosquitto did not listen on {port}:\n{self.log()}") from None
                    time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM: mosquitto saves its persistence file and exits."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL: a crash; only what was autosaved survives."""
        self._signal(signal.SIGKILL, 10.0)

    def freeze(self) -> None:
        """SIGSTOP: a hung broker; TCP still accepts bytes, nothing is answered."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGSTOP)

    def restart(self, kill: bool = True) -> None:
        self.kill() if kill else self.stop()
        self.start()

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def plain_config(listener: str = "", general: str = "") -> str:
    """Anonymous listener on 127.0.0.1 with persistence saved every second."""
    return (
        user_line()
        + "persistence true\n"
        + "persistence_location {workdir}/data/\n"
        + "autosave_interval 1\n"
        + "max_queued_messages 100000\n"
        + "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
        + general
        + "listener {port} 127.0.0.1\n"
        + "allow_anonymous true\n"
        + listener
    )
