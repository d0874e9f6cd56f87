"""Newest-frame-wins hand-off between the camera thread and the frame loop.

The camera never waits for inference and inference never works on a stale
frame: a slot of one frame is overwritten by each new capture, and what the
loop did not take in time is counted as dropped. Nothing queues up.
"""

from __future__ import annotations

import threading

from edge.capture.base import Frame, FrameSource


class LatestFrame:
    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self.captured = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)

    def start(self) -> "LatestFrame":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self.source.read()
                with self._cond:
                    if frame is None:
                        self._ended = True
                        self._cond.notify_all()
                        return
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = frame
                    self.captured += 1
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer, which decides
            with self._cond:
                self._error = exc
                self._ended = True
                self._cond.notify_all()

    def get(self, timeout: float) -> Frame | None:
        """The newest frame not yet taken; None on timeout or at the end of the source.

        Re-raises an error from the capture thread.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None or self._ended, timeout)
            frame, self._frame = self._frame, None
            if frame is None and self._error is not None:
                raise self._error
            return frame

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended and self._frame is None

    def stop(self, timeout: float) -> None:
        """Stop capturing and wait for the thread, so nothing reads a closed camera
        (or is still inside native code when the interpreter exits)."""
        self._stop.set()
        self._thread.join(timeout)
