"""The figures the `status` topic and sd_notify STATUS carry."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Health:
    delegate: str
    started: float = field(default_factory=time.monotonic)
    camera: str = "starting"
    calibration_error_px: float | None = None
    calibration: str = "ok"
    detector_latency_ms: float | None = None
    _frame_times: deque = field(default_factory=lambda: deque(maxlen=50))

    def frame_done(self, latency_s: float) -> None:
        self._frame_times.append(time.monotonic())
        self.detector_latency_ms = round(latency_s * 1000.0, 2)

    @property
    def fps(self) -> float:
        times = self._frame_times
        if len(times) < 2 or times[-1] == times[0]:
            return 0.0
        return round((len(times) - 1) / (times[-1] - times[0]), 2)

    def status(self) -> dict:
        return {
            "fps": self.fps,
            "detector_latency_ms": self.detector_latency_ms,
            "delegate": self.delegate[:32],
            "calibration_error_px": self.calibration_error_px,
            "camera": self.camera,
            "uptime_s": round(time.monotonic() - self.started, 1),
        }

    def line(self) -> str:
        return (f"{self.fps:.1f} fps, detector {self.detector_latency_ms or 0:.1f} ms on {self.delegate}, "
                f"camera {self.camera}, calibration {self.calibration}")
