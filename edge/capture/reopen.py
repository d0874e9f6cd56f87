"""Keeping a live source alive: reopen with exponential backoff instead of exiting."""

from __future__ import annotations

import logging
import threading

from edge.capture.base import Frame, FrameSource
from edge.errors import HardwareError

log = logging.getLogger(__name__)


class ReopeningSource:
    """Wraps a live source; a failed open or read is retried after a growing delay.

    `stop` (a threading.Event) interrupts the wait so a shutdown never hangs
    on a dead camera. Recordings are passed through: their end is the end.
    """

    def __init__(self, source: FrameSource, min_delay: float, max_delay: float,
                 stop: threading.Event | None = None) -> None:
        self.source = source
        self.name = source.name
        self.live = source.live
        self.min_delay, self.max_delay = min_delay, max_delay
        self.stop = stop or threading.Event()
        self.failures = 0
        self.state = "closed"
        self._open = False

    def open(self) -> None:
        if not self.live:
            self.source.open()
            self._open = True
            self.state = "ok"
            return
        self._ensure_open()

    def _ensure_open(self) -> None:
        delay = self.min_delay
        while not self._open and not self.stop.is_set():
            try:
                self.source.open()
                self._open = True
                self.state = "ok"
                if self.failures:
                    log.info("camera %s reopened after %d failures", self.name, self.failures)
            except HardwareError as exc:
                self.failures += 1
                self.state = "reopening"
                log.warning("camera %s: %s; retrying in %.1f s", self.name, exc, delay)
                self.stop.wait(delay)
                delay = min(delay * 2, self.max_delay)

    def read(self) -> Frame | None:
        if not self.live:
            return self.source.read()
        while not self.stop.is_set():
            self._ensure_open()
            if self.stop.is_set():
                break
            try:
                return self.source.read()
            except HardwareError as exc:
                self.failures += 1
                self.state = "reopening"
                log.warning("camera %s failed: %s", self.name, exc)
                self.source.close()
                self._open = False
                self.stop.wait(self.min_delay)
        return None

    def close(self) -> None:
        self.source.close()
        self._open = False
        self.state = "closed"
