"""Stop signals as data: handlers only write the signal number to a socketpair.

Python runs signal handlers in the main thread between bytecodes, in the
middle of whatever the main loop was doing; anything more than one
non-blocking write there risks running shutdown code inside a half-finished
frame grab or a held lock. The main loop instead waits on `fileno()` (or
calls `wait`) next to its other waits, and performs the stop itself, in order:
STOPPING=1, publisher offline, camera closed.
"""

from __future__ import annotations

import select
import signal
import socket
import threading
from types import FrameType
from typing import Any, Iterable

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopSignals:
    def __init__(self, signals: Iterable[signal.Signals] = DEFAULT_SIGNALS) -> None:
        self._signals = tuple(signals)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous: dict[signal.Signals, Any] = {}

    def install(self) -> "StopSignals":
        """Take over the signals; must run in the main thread."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("signal handlers can only be installed from the main thread")
        for sig in self._signals:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        try:
            self._writer.send(bytes([signum]))
        except OSError:
            pass  # buffer full: a stop is already pending, which is all that matters

    def fileno(self) -> int:
        """Readable when a signal has arrived; for select() / selectors."""
        return self._reader.fileno()

    def wait(self, timeout: float | None) -> signal.Signals | None:
        """The next signal received, waiting up to `timeout` seconds (None: forever)."""
        pending = self.drain(limit=1)
        if pending:
            return pending[0]
        while True:
            try:
                ready, _, _ = select.select([self._reader], [], [], timeout)
            except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                continue
            if not ready:
                return None
            pending = self.drain(limit=1)
            if pending:
                return pending[0]

    def drain(self, limit: int = 256) -> list[signal.Signals]:
        """Signals received so far (up to `limit`), oldest first, without waiting."""
        try:
            data = self._reader.recv(limit)
        except BlockingIOError:
            return []
        return [signal.Signals(b) for b in data]

    def close(self) -> None:
        self.restore()
        self._reader.close()
        self._writer.close()

    def __enter__(self) -> "StopSignals":
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.close()
