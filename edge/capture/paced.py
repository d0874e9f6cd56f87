"""Recordings played at their own frame rate, so the daemon sees them as it would a camera."""

from __future__ import annotations

import time

from edge.capture.base import Frame, FrameSource


class PacedSource:
    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.name = source.name
        self.live = source.live
        self._start: float | None = None

    def open(self) -> None:
        self.source.open()
        self._start = None

    def read(self) -> Frame | None:
        frame = self.source.read()
        if frame is None:
            return None
        now = time.monotonic()
        if self._start is None:
            self._start = now - frame.timestamp
        delay = self._start + frame.timestamp - now
        if delay > 0:
            time.sleep(delay)
        return frame

    def close(self) -> None:
        self.source.close()
