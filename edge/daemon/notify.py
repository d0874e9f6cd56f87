"""sd_notify(3) without libsystemd: tell systemd we are ready, alive, stopping.

Does nothing when `NOTIFY_SOCKET` is unset (run from a shell, from tests, or
under a unit without Type=notify). Supports filesystem and abstract (`@name`)
sockets. Sending never raises: a lost notification must not stop the board,
and systemd's watchdog will notice if pings stop getting through.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Mapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address: str | None = None
        if address.startswith("@"):
            self._address = "\0" + address[1:]  # Linux abstract namespace
        elif address.startswith("/"):
            self._address = address
        elif address:
            log.warning("ignoring NOTIFY_SOCKET %r: not a path or @abstract name", address)
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send `KEY=value` lines in one datagram; True if it was sent."""
        if self._address is None:
            return False
        for item in assignments:
            if "=" not in item or "\n" in item:
                raise ValueError(f"not a KEY=value notification: {item!r}")
        message = "\n".join(assignments).encode("utf-8")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message, self._address)
            return True
        except OSError as exc:
            log.debug("sd_notify to %r failed: %s", self._address, exc)
            return False

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *([f"STATUS={_one_line(status)}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={_one_line(text)}")

    def stopping(self, status: str | None = None) -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={_one_line(status)}"] if status else []))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between WATCHDOG=1 pings, or None when no watchdog is asked for.

    Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. A WATCHDOG_PID
    naming another process means the watchdog is not ours.
    """
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    if not usec:
        return None
    pid = env.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC %r: not an integer", usec)
        return None
    return value / 2_000_000 if value > 0 else None


def _one_line(text: str) -> str:
    return " ".join(text.split())
