"""A Raspberry Pi camera through picamera2.

Detection reads the small `lores` stream while `main` keeps the full
resolution; both come from one captured request, so they are the same exposure.
A Pi 4's ISP only gives YUV420 on `lores`; a Pi 5 (PiSP) can give RGB888
directly. picamera2 comes from apt (`python3-picamera2`), never from pip, so
its import is optional and only a configured picamera2 source needs it.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import cv2
import numpy as np

from edge.capture.base import Frame
from edge.errors import HardwareError

CameraFactory = Callable[[], Any]


def _default_factory() -> Any:
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found]
    except ImportError:
        raise HardwareError(
            "picamera2 is not installed: on Raspberry Pi OS run 'sudo apt install python3-picamera2' "
            "and create the venv with --system-site-packages"
        ) from None
    try:
        return Picamera2()
    except (RuntimeError, IndexError) as exc:
        raise HardwareError(f"no Raspberry Pi camera found: {exc}") from None


def _is_pisp(camera: Any) -> bool:
    platform = getattr(type(camera), "platform", None) or getattr(camera, "platform", None)
    return "PISP" in str(platform).upper()


class Picamera2Source:
    live = True

    def __init__(self, main_size: tuple[int, int], lores_size: tuple[int, int], fps: float,
                 camera_factory: CameraFactory = _default_factory) -> None:
        self.name = "picamera2"
        self.main_size = main_size
        # The ISP wants even lores dimensions.
        self.lores_size = (lores_size[0] // 2 * 2, lores_size[1] // 2 * 2)
        self.fps = fps
        self._factory = camera_factory
        self._camera: Any = None
        self._lores_format = "YUV420"

    def open(self) -> None:
        camera = self._factory()
        self._lores_format = "RGB888" if _is_pisp(camera) else "YUV420"
        config = camera.create_video_configuration(
            main={"size": self.main_size, "format": "RGB888"},
            lores={"size": self.lores_size, "format": self._lores_format},
            controls={"FrameRate": self.fps},
        )
        try:
            camera.configure(config)
            camera.start()
        except Exception as exc:  # picamera2 raises bare RuntimeError/OSError variants
            camera.close()
            raise HardwareError(f"picamera2 could not start: {exc}") from None
        self._camera = camera

    def read(self) -> Frame:
        if self._camera is None:
            raise HardwareError("picamera2 is not open")
        try:
            request = self._camera.capture_request()
        except Exception as exc:
            raise HardwareError(f"picamera2 capture failed: {exc}") from None
        try:
            lores = request.make_array("lores")
            main = request.make_array("main")
        finally:
            request.release()
        return Frame(time.time(), self._lores_to_bgr(lores), main)

    def _lores_to_bgr(self, lores: np.ndarray) -> np.ndarray:
        width, height = self.lores_size
        if self._lores_format == "YUV420":
            # The buffer is (height * 3 / 2, stride); drop the stride padding after converting.
            bgr = cv2.cvtColor(lores, cv2.COLOR_YUV420p2BGR)
            return np.ascontiguousarray(bgr[:height, :width])
        # picamera2's RGB888 is B, G, R in memory: already OpenCV's order.
        return np.ascontiguousarray(lores[:height, :width, :3])

    def close(self) -> None:
        if self._camera is not None:
            try:
                self._camera.stop()
            finally:
                self._camera.close()
                self._camera = None
